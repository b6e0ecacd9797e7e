"""The transaction boundaries `shared.Database` offers: a session (one transaction) and a reader
(no transaction: each statement on its own)."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from shared import Database

_NOW = sa.text("SELECT now()")


async def test_a_session_reads_one_snapshot_and_a_reader_reads_statement_by_statement(
    database_url,
) -> None:
    db = Database(database_url, schema="public", pool_size=2)
    try:
        async with db.session() as session:
            first = (await session.execute(_NOW)).scalar_one()
            await asyncio.sleep(0.01)
            assert (await session.execute(_NOW)).scalar_one() == first  # transaction start
        async with db.reader() as reader:
            first = (await reader.execute(_NOW)).scalar_one()
            await asyncio.sleep(0.01)
            assert (await reader.execute(_NOW)).scalar_one() > first  # a transaction each
    finally:
        await db.dispose()
