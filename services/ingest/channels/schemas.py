"""Channel route in/out models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.ingest.interactions.schemas import Accepted

MetaNetwork = Literal["facebook", "instagram"]


class MetaConfigIn(BaseModel):
    """What Meta needs to sign and verify this tenant's webhooks."""

    model_config = ConfigDict(extra="forbid")

    app_secret: str = Field(min_length=8, max_length=200)
    verify_token: str = Field(min_length=8, max_length=200)


class MetaConfigOut(BaseModel):
    network: MetaNetwork
    configured: bool


class ChannelAccepted(BaseModel):
    """A native payload may carry several messages; one result each."""

    accepted: int
    duplicates: int
    items: list[Accepted]
