"""The gateway schema: tenants, credentials, idempotency records and the messaging tables."""

from sqlalchemy.orm import DeclarativeBase

from shared import MessagingTables, make_metadata

metadata = make_metadata("gateway")
messaging = MessagingTables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
