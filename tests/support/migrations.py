"""A service's schema at an older revision, so a test can write data the way it was stored then
and upgrade over it."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from shared import ServiceDefinition


def upgrade_to(connection: Connection, service: ServiceDefinition, revision: str) -> None:
    """Run the service's migrations up to `revision` (inside `AsyncConnection.run_sync`)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(service.migrations))
    config.attributes["connection"] = connection
    config.attributes["schema"] = service.name
    command.upgrade(config, revision)
