"""Scoring's handlers for news and blog mentions, and for the customers they belong to.

A merge and an unmerge move mentions in the scores' `merges` and `unmerges` handlers, in the
same transaction as the graph handles and the customers' new scores.
"""

from services.scoring.mentions.service import erase_mentions, record_mention
from shared import ConsumerSpec
from shared.contracts import CustomerErasedV1, CustomerMentionedV1

CONSUMERS = [
    ConsumerSpec("mentions", [CustomerMentionedV1.event_type], record_mention),
    ConsumerSpec("mention-erasure", [CustomerErasedV1.event_type], erase_mentions),
]
