"""What a recompute did."""

from __future__ import annotations

from pydantic import BaseModel


class RecomputeOut(BaseModel):
    nodes: int  # people in the conversation graph
    edges: int  # who-amplified-whom pairs used
    customers_rescored: int  # customers whose centrality moved
    population_customers: int | None  # scored customers behind the percentiles
