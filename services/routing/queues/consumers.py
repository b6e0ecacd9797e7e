"""Routing's event handlers."""

from services.routing.queues.service import (
    PROGRESS_EVENTS,
    erase_customer,
    route_interaction,
    track_deadline,
    track_progress,
)
from shared import ConsumerSpec
from shared.contracts import CustomerErasedV1, InteractionScoredV1, SlaTimerStartedV1

CONSUMERS = [
    ConsumerSpec("scored", [InteractionScoredV1.event_type], route_interaction),
    ConsumerSpec("deadlines", [SlaTimerStartedV1.event_type], track_deadline),
    ConsumerSpec("progress", PROGRESS_EVENTS, track_progress),
    ConsumerSpec("erasure", [CustomerErasedV1.event_type], erase_customer),
]
