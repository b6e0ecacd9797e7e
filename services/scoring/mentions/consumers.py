"""Scoring's handlers for news and blog mentions, and for the customers they belong to.

A merge, an unmerge and an erasure move or delete mentions in the scores' `merges`, `unmerges`
and `erasure` handlers, in the same transaction as the graph handles and the customers' scores.
"""

from services.scoring.mentions.service import record_mention
from shared import ConsumerSpec
from shared.contracts import CustomerMentionedV1

CONSUMERS = [
    ConsumerSpec("mentions", [CustomerMentionedV1.event_type], record_mention),
]
