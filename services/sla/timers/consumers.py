"""SLA's event handlers."""

from services.sla.timers.service import start, stop
from shared import ConsumerSpec
from shared.contracts import InteractionReceivedV1, InteractionResolvedV1, InteractionRespondedV1

CONSUMERS = [
    ConsumerSpec("received", [InteractionReceivedV1.event_type], start),
    ConsumerSpec(
        "progress", [InteractionRespondedV1.event_type, InteractionResolvedV1.event_type], stop
    ),
]
