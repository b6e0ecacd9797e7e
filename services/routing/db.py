"""The routing schema: declarative base, the messaging tables and erased customers' tombstones."""

from sqlalchemy.orm import DeclarativeBase

from shared import ErasedCustomers, MessagingTables, make_metadata

metadata = make_metadata("routing")
messaging = MessagingTables(metadata)
erasures = ErasedCustomers(metadata)


class Base(DeclarativeBase):
    metadata = metadata
