"""The conversation graph's event handlers."""

from services.scoring.graph.service import record_conversation
from shared import ConsumerSpec
from shared.contracts import InteractionReceivedV1

CONSUMERS = [ConsumerSpec("graph", [InteractionReceivedV1.event_type], record_conversation)]
