"""The shared library's public names are a contract for every service."""

import shared

EXPECTED = {
    "make_similarity_key",
    "similarity",
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
    "problem_response",
    "run_migrations_online",
    "service_main",
    "uuid7",
    "uuid7_strings",
}


def test_public_names_are_pinned() -> None:
    assert set(shared.__all__) == EXPECTED


def test_every_public_name_exists() -> None:
    for name in shared.__all__:
        assert hasattr(shared, name), name
