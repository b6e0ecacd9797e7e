"""Identity's handlers for publications: news and blog items naming people."""

from services.identity.mentions.service import attribute_mentions
from shared import ConsumerSpec
from shared.contracts import PublicationReceivedV1

CONSUMERS = [
    ConsumerSpec("publications", [PublicationReceivedV1.event_type], attribute_mentions),
]
