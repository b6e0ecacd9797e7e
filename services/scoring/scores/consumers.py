"""Scoring's event handlers."""

from services.scoring.scores.service import (
    erase_customer,
    follow_merge,
    follow_unmerge,
    score_interaction,
)
from shared import ConsumerSpec
from shared.contracts import (
    CustomerErasedV1,
    CustomerMergedV2,
    CustomerUnmergedV2,
    InteractionIdentifiedV1,
)

CONSUMERS = [
    ConsumerSpec("identified", [InteractionIdentifiedV1.event_type], score_interaction),
    ConsumerSpec("erasure", [CustomerErasedV1.event_type], erase_customer),
    ConsumerSpec("merges", [CustomerMergedV2.event_type], follow_merge),
    ConsumerSpec("unmerges", [CustomerUnmergedV2.event_type], follow_unmerge),
]
