"""PostgreSQL access: one async engine per service, one schema per service, Alembic migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

__all__ = ["Database", "driver_connection", "ensure_database", "make_metadata"]

_NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under `session`, for COPY and for hot statements whose rows
    SQLAlchemy would otherwise wrap one by one (`$n` parameters; JSON columns still decode
    through the engine's codec). In a transactional session, run a statement through
    SQLAlchemy first: that opens the transaction, which the driver's statements then join."""
    conn = await session.connection()
    return (await conn.get_raw_connection()).driver_connection


def make_metadata(schema: str) -> MetaData:
    """MetaData bound to a service's own schema, with stable constraint names."""
    return MetaData(schema=schema, naming_convention=_NAMING)


async def ensure_database(url: str) -> None:
    """Create the database named in `url` if it does not exist (safe under races)."""
    parsed = make_url(url)
    name = parsed.database or "postgres"
    admin = parsed.set(drivername="postgresql", database="postgres")
    dsn = admin.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass
    finally:
        await conn.close()


# Alembic keeps its migration context in module globals: one migration at a time per process.
_MIGRATION_LOCK = asyncio.Lock()


class Database:
    """The service's engine and the transaction boundary used by request and consumer edges."""

    def __init__(self, url: str, *, schema: str, pool_size: int = 10) -> None:
        self.url = url
        self.schema = schema
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=10,
            # No pre-ping: it costs a round trip per checkout; dead connections are recycled.
            pool_recycle=1800,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            connect_args={"server_settings": {"application_name": f"resonance-{schema}"}},
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # The same pool without transactions: each statement commits on its own.
        self._readers = async_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
        )
        self._after_commit: list[Callable[[AsyncSession], None]] = []

    def on_commit(self, hook: Callable[[AsyncSession], None]) -> None:
        """Run `hook(session)` after every successful commit made through `session()`."""
        self._after_commit.append(hook)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            for hook in self._after_commit:
                hook(session)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only, without a transaction: no BEGIN and COMMIT round trips
        (two of four in an online identity lookup). Its statements do not share a snapshot, so
        use it only where each read stands alone; a write through it commits at once."""
        async with self._readers() as session:
            yield session

    async def ping(self) -> bool:
        """True when the database answers."""
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def migrate(self, script_location: Path) -> None:
        """Apply the service's Alembic migrations, one process at a time."""
        await ensure_database(self.url)
        async with _MIGRATION_LOCK, self.engine.begin() as conn:
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": f"migrate:{self.schema}"}
            )
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))
            await conn.run_sync(_upgrade, script_location, self.schema)

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _upgrade(connection: Connection, script_location: Path, schema: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


def run_migrations_online() -> None:
    """Body of every service's `migrations/env.py`: run on the connection handed over."""
    from alembic import context

    attributes: dict[str, Any] = context.config.attributes
    context.configure(
        connection=attributes["connection"],
        version_table_schema=attributes["schema"],
        include_schemas=True,
    )
    with context.begin_transaction():
        context.run_migrations()
