"""Event contracts: versioned, exported, and frozen once published."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts import (
    EVENT_TYPES,
    SCHEMA_DIR,
    Envelope,
    InteractionResolvedV1,
    json_schemas,
    parse_envelope,
)


def test_every_event_type_names_its_version() -> None:
    for event_type in EVENT_TYPES:
        assert event_type.rsplit(".", 1)[-1].startswith("v"), event_type


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_published_contract_has_not_changed_without_a_new_version(event_type: str) -> None:
    """A changed schema must be a new `.vN` type; `python -m shared.contracts` writes new files."""
    path = SCHEMA_DIR / f"{event_type}.json"
    assert path.exists(), f"{path.name} is not exported; run python -m shared.contracts"
    assert json.loads(path.read_text()) == json_schemas()[event_type], (
        f"{event_type} changed; publish the change as a new version instead"
    )


def test_every_exported_schema_still_has_a_model() -> None:
    exported = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert exported == set(EVENT_TYPES)


def test_envelope_round_trips_and_consumers_ignore_unknown_fields() -> None:
    env = Envelope.wrap(
        InteractionResolvedV1(interaction_id=uuid.uuid4(), resolved_at=datetime.now(UTC)),
        source="test",
        tenant_id=uuid.uuid4(),
        correlation_id="req-1",
    )
    data = json.loads(env.model_dump_json())
    data["added_later"] = 1
    data["payload"]["also_added_later"] = "x"
    parsed = parse_envelope(json.dumps(data))
    assert parsed.payload == env.payload
    assert parsed.correlation_id == "req-1"


def test_caused_event_inherits_the_correlation_id() -> None:
    first = Envelope.wrap(
        InteractionResolvedV1(interaction_id=uuid.uuid4(), resolved_at=datetime.now(UTC)),
        source="a",
        tenant_id=uuid.uuid4(),
        correlation_id="req-7",
    )
    second = Envelope.wrap(first.payload, source="b", tenant_id=first.tenant_id, causation=first)
    assert second.correlation_id == "req-7"
    assert second.causation_id == str(first.id)


def test_unknown_event_type_is_rejected() -> None:
    with pytest.raises(KeyError):
        parse_envelope({"type": "nobody.knows.v1", "payload": {}})


def test_payload_that_breaks_the_contract_is_rejected() -> None:
    with pytest.raises(ValidationError):
        parse_envelope(
            {
                "type": "interaction.resolved.v1",
                "source": "x",
                "tenant_id": str(uuid.uuid4()),
                "payload": {"interaction_id": "not-a-uuid"},
            }
        )
