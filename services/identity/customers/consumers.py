"""Identity's event handlers."""

from services.identity.customers.service import identify_interaction
from shared import ConsumerSpec
from shared.contracts import InteractionReceivedV1

CONSUMERS = [ConsumerSpec("received", [InteractionReceivedV1.event_type], identify_interaction)]
