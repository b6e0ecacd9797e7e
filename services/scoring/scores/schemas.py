"""Score and configuration in/out models."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from shared.contracts import ScoreComponent


class ScorePoint(BaseModel):
    social_customer_score: float
    tier: str
    computed_at: datetime


class Score(BaseModel):
    customer_id: uuid.UUID
    social_customer_score: float
    value_score: float
    influence_score: float
    tier: str
    components: list[ScoreComponent]
    computed_at: datetime
    history: list[ScorePoint]
