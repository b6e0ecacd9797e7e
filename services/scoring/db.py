"""The scoring schema: declarative base, the messaging tables and erased customers' tombstones."""

from sqlalchemy.orm import DeclarativeBase

from shared import ErasedCustomers, MessagingTables, make_metadata

metadata = make_metadata("scoring")
messaging = MessagingTables(metadata)
# `erased_among` takes the customer's turn (held until the transaction ends) before it reads
# the tombstones, and `record` before an erasure deletes anything. Scoring has no other
# per-customer lock: every path that stores or counts something about a customer (a score, a
# handle, a news mention) asks `erased_among` first, so an erasure and such a path, or two
# counts of the same customer's mentions, never run at once.
erasures = ErasedCustomers(metadata)


class Base(DeclarativeBase):
    metadata = metadata
