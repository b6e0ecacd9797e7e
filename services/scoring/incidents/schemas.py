"""Incident candidate out models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class Incident(BaseModel):
    """A spike of similar negative public messages."""

    id: uuid.UUID
    size: int  # messages inside the window ending at `last_seen`
    total: int  # messages ever assigned (counted up to the member cap)
    rate_per_hour: float
    acceleration_per_hour2: float  # the growth rate: > 0 while the spike is accelerating
    first_seen: datetime
    last_seen: datetime
    detected_at: datetime
    active: bool  # a message arrived within the window before now
    sample_text: str | None = None


class IncidentDetail(Incident):
    interaction_ids: list[uuid.UUID]
