import time
from collections.abc import Callable

from services.identity.matching import MatchModel, Resolver, Thresholds, standardise
from services.identity.matching.standardise import StandardRecord


def neighbours(count: int, customer: Callable[..., StandardRecord]) -> list:
    names = ["Müller", "Schmidt", "Weber", "Kretschmer", "Krebs"]
    return [
        customer(
            record_id=f"N{i}",
            given_name=["Stefan", "Steffen", "Sabine", "Stephan"][i % 4],
            family_name=names[i % 5],
            birth_date=f"19{50 + i % 40}-0{1 + i % 9}-1{i % 9}",
            email=f"n{i}@web.de",
            phone=f"0221 {5_000_000 + i}",
            customer_number=f"K2{i:07d}",
            house_number=str(100 + i),
        )
        for i in range(count)
    ]


def test_resolve_picks_the_customer_among_neighbours(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    incoming = standardise(name="Steffi Kretschmann", email="stefanie.kretschmann@web.de")
    resolution = Resolver(model).resolve(incoming, [*neighbours(20, customer), customer()])
    assert (resolution.customer_id, resolution.decision) == ("C1", "match")
    assert resolution.model_version == model.version
    assert {e.field for e in resolution.explanation} >= {"given_name", "family_name", "email"}


def test_two_equally_good_candidates_go_to_review(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    incoming = standardise(name="Stefanie Kretschmann")
    other = standardise(
        record_id="C2", given_name="Stefanie", family_name="Kretschmann", postcode="80331"
    )
    resolution = Resolver(model).resolve(incoming, [customer(), other])
    assert resolution.decision != "match"


def test_household_member_is_not_resolved_to_the_customer(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    husband = standardise(
        name="Thomas Kretschmann", street="Lindenstr. 12a", postcode="50667", phone="0221 4711234"
    )
    resolution = Resolver(model).resolve(husband, [customer()])
    assert resolution.decision == "no_match" and resolution.customer_id is None


def test_duplicate_customer_rows_do_not_compete(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    incoming = standardise(name="Stefanie Kretschmann", email="stefanie.kretschmann@web.de")
    duplicate = customer(record_id="C1-dup", customer_number="K10000099")
    resolution = Resolver(model).resolve(incoming, [customer(), duplicate])
    assert resolution.decision == "match"
    assert resolution.also_matching in (("C1-dup",), ("C1",))


def test_stricter_tenant_thresholds_turn_a_match_into_a_review(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    incoming = standardise(name="Steffi Kretschmann", postcode="50667")
    default = Resolver(model).resolve(incoming, [customer()])
    strict = Resolver(model, Thresholds(match=0.999999, review=0.5)).resolve(incoming, [customer()])
    assert default.decision == "match" and strict.decision == "review"


def test_no_candidates_is_no_match(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    assert Resolver(model).resolve(customer(), []).decision == "no_match"


def test_resolving_fifty_candidates_takes_under_a_millisecond(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    resolver = Resolver(model)
    incoming = standardise(name="Steffi Kretschmann", birth_date="1975-04-12", postcode="50667")
    candidates = [*neighbours(49, customer), customer()]
    resolver.resolve(incoming, candidates)
    runs = []
    for _ in range(50):
        started = time.perf_counter()
        resolver.resolve(incoming, candidates)
        runs.append(time.perf_counter() - started)
    assert sorted(runs)[len(runs) // 2] < 0.001
