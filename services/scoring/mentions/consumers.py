"""Scoring's handlers for news and blog mentions, and for the customers they belong to.

An unmerge gives mentions back in the scores' `unmerges` handler, in the same transaction as
the graph handles and both customers' new scores.
"""

from services.scoring.mentions.service import (
    erase_mentions,
    follow_merge,
    record_mention,
)
from shared import ConsumerSpec
from shared.contracts import (
    CustomerErasedV1,
    CustomerMentionedV1,
    CustomerMergedV1,
)

CONSUMERS = [
    ConsumerSpec("mentions", [CustomerMentionedV1.event_type], record_mention),
    ConsumerSpec("mention-erasure", [CustomerErasedV1.event_type], erase_mentions),
    ConsumerSpec("mention-merges", [CustomerMergedV1.event_type], follow_merge),
]
