"""Incident detection's event handlers."""

from services.scoring.incidents.service import observe
from shared import ConsumerSpec
from shared.contracts import InteractionReceivedV1

CONSUMERS = [ConsumerSpec("incidents", [InteractionReceivedV1.event_type], observe)]
