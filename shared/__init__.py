"""Resonance's shared library: contracts and plumbing used by every service."""

from ._cli import service_main
from ._consumer import ConsumerSpec, EventHandler
from ._db import Database, driver_connection, ensure_database, make_metadata, run_migrations_online
from ._erasures import ErasedCustomers
from ._errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
)
from ._http import (
    PROBLEM_RESPONSES,
    ActorDep,
    CorrelationDep,
    ReaderDep,
    RequestContextMiddleware,
    SessionDep,
    TenantDep,
    install_problem_handlers,
    problem_response,
)
from ._ids import uuid7, uuid7_strings
from ._locks import AdvisoryLocks
from ._logging import bind_context, clear_context, configure_logging, get_logger
from ._messaging import Broker, MemoryBroker, Outcome, OutgoingMessage, RabbitBroker
from ._outbox import MessagingTables, OutboxRelay, create_messaging_tables, emit
from ._pagination import Page, decode_cursor, encode_cursor
from ._runtime import Resource, ServiceRuntime, Worker
from ._service import ServiceDefinition
from ._settings import ServiceSettings
from ._similarity import make_similarity_key, similarity

__all__ = [
    "PROBLEM_RESPONSES",
    "ActorDep",
    "AdvisoryLocks",
    "BadRequest",
    "Broker",
    "Conflict",
    "ConsumerSpec",
    "CorrelationDep",
    "Database",
    "ErasedCustomers",
    "EventHandler",
    "Forbidden",
    "MemoryBroker",
    "MessagingTables",
    "NotFound",
    "OutboxRelay",
    "Outcome",
    "OutgoingMessage",
    "Page",
    "PayloadTooLarge",
    "ProblemError",
    "RabbitBroker",
    "ReaderDep",
    "RequestContextMiddleware",
    "Resource",
    "ServiceDefinition",
    "ServiceRuntime",
    "ServiceSettings",
    "ServiceUnavailable",
    "SessionDep",
    "TenantDep",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "Worker",
    "bind_context",
    "clear_context",
    "configure_logging",
    "create_messaging_tables",
    "decode_cursor",
    "driver_connection",
    "emit",
    "encode_cursor",
    "ensure_database",
    "get_logger",
    "install_problem_handlers",
    "make_metadata",
    "make_similarity_key",
    "problem_response",
    "run_migrations_online",
    "service_main",
    "similarity",
    "uuid7",
    "uuid7_strings",
]
