"""Scoring's handlers for news and blog mentions, and for the customers they belong to."""

from services.scoring.mentions.service import (
    erase_mentions,
    follow_merge,
    follow_unmerge,
    record_mention,
)
from shared import ConsumerSpec
from shared.contracts import (
    CustomerErasedV1,
    CustomerMentionedV1,
    CustomerMergedV1,
    CustomerUnmergedV1,
)

CONSUMERS = [
    ConsumerSpec("mentions", [CustomerMentionedV1.event_type], record_mention),
    ConsumerSpec("mention-erasure", [CustomerErasedV1.event_type], erase_mentions),
    ConsumerSpec("mention-merges", [CustomerMergedV1.event_type], follow_merge),
    ConsumerSpec("mention-unmerges", [CustomerUnmergedV1.event_type], follow_unmerge),
]
