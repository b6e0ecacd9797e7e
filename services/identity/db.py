"""The identity schema: declarative base and the messaging tables."""

from sqlalchemy.orm import DeclarativeBase

from shared import MessagingTables, make_metadata

metadata = make_metadata("identity")
messaging = MessagingTables(metadata)


class Base(DeclarativeBase):
    metadata = metadata
