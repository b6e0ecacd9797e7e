import json
from collections.abc import Callable

import pytest

from services.identity.matching import MatchModel, Thresholds, decide, fit, standardise
from services.identity.matching.model import FORMAT
from services.identity.matching.standardise import StandardRecord


def test_common_surname_match_is_weaker_evidence_than_a_rare_one(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    common = model.score(
        standardise(given_name="Stefanie", family_name="Müller"),
        customer(family_name="Müller"),
    )
    rare = model.score(standardise(given_name="Stefanie", family_name="Kretschmann"), customer())
    weight = {e.field: e.weight for e in common.evidence}["family_name"]
    rare_weight = {e.field: e.weight for e in rare.evidence}["family_name"]
    assert rare_weight > weight + 5
    assert rare.probability > common.probability


def test_nickname_matches_canonical_given_name(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    score = model.score(standardise(name="Steffi Kretschmann", birth_date="12.04.1975"), customer())
    levels = {e.field: e.level for e in score.evidence}
    assert levels["given_name"] == "nickname_or_spelling_variant"
    assert score.probability > 0.95


def test_household_member_is_not_matched_as_the_customer(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    husband = standardise(
        given_name="Thomas",
        family_name="Kretschmann",
        birth_date="1971-09-30",
        street="Lindenstr. 12a",
        postcode="50667",
        city="Köln",
        phone="0221 4711234",
    )
    score = model.score(husband, customer())
    fields = {e.field: e for e in score.evidence}
    assert "household" in fields
    assert fields["address"].weight == 0.0
    assert fields["given_name"].weight < 0 and fields["birth_date"].weight < 0
    assert score.probability < 0.01


def test_household_agreement_with_matching_name_and_birth_date_is_still_a_match(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    same = standardise(
        name="Stefanie Kretschmann",
        birth_date="1975-04-12",
        street="Lindenstraße 12 a",
        postcode="50667",
        phone="0221 4711234",
    )
    assert model.score(same, customer()).probability > 0.95


def test_twin_with_same_birth_date_is_not_matched(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    twin = standardise(
        given_name="Katharina",
        family_name="Kretschmann",
        birth_date="1975-04-12",
        street="Lindenstraße 12a",
        postcode="50667",
    )
    assert model.score(twin, customer()).probability < 0.5


def test_explanation_weights_add_up_to_the_match_weight(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    score = model.score(standardise(name="Stefanie Kretschmann", postcode="50667"), customer())
    assert sum(e.weight for e in score.evidence) == pytest.approx(score.match_weight, abs=0.01)


def test_verified_identifier_is_a_deterministic_match(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    incoming = standardise(handle="@steffi_k", verified={"handle"})
    score = model.score(incoming, customer(handle="steffi_k", verified={"handle"}))
    assert (score.probability, score.rule) == (1.0, "verified_handle")


def test_unverified_identifier_is_only_evidence(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    score = model.score(standardise(handle="@steffi_k"), customer(handle="steffi_k"))
    assert score.rule is None


def test_decide_uses_per_tenant_thresholds() -> None:
    assert decide(0.97) == "match"
    assert decide(0.7) == "review"
    assert decide(0.2) == "no_match"
    strict = Thresholds(match=0.99, review=0.9)
    assert decide(0.97, strict) == "review"
    with pytest.raises(ValueError):
        Thresholds(match=0.5, review=0.9)


def test_model_json_round_trip_keeps_scores_and_version(
    model: MatchModel, customer: Callable[..., StandardRecord]
) -> None:
    text = model.to_json()
    loaded = MatchModel.from_json(text)
    assert loaded.version == model.version
    assert json.loads(text)["format"] == FORMAT
    incoming = standardise(name="Steffi Müller", postcode="50667")
    assert loaded.score(incoming, customer()) == model.score(incoming, customer())


def test_tampered_model_json_is_refused(model: MatchModel) -> None:
    data = model.to_dict()
    data["match_rate"] = 0.1
    with pytest.raises(ValueError, match="fingerprint"):
        MatchModel.from_dict(data)


def test_fit_learns_without_labels_that_agreement_is_evidence() -> None:
    firsts = ["Anna", "Bernd", "Clara", "Dieter", "Eva", "Frank", "Gisela", "Heinz", "Ilse", "Jan"]
    lasts = ["Albers", "Brand", "Claßen", "Dörr", "Ebert", "Fromm", "Gerke", "Hess", "Imhof"]
    master, incoming = [], []
    for i in range(600):
        given, family = firsts[i % 10], lasts[(i // 10) % 9] + ("" if i < 90 else str(i))
        fields = {
            "given_name": given,
            "family_name": family,
            "birth_date": f"{1940 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "postcode": f"{10000 + i * 7}",
            "street": f"Weg {i % 40}",
            "house_number": str(1 + i % 30),
        }
        master.append(standardise(record_id=f"C{i}", **fields))
        if i % 3 == 0:
            incoming.append(standardise(record_id=f"I{i}", **{**fields, "street": None}))
    fitted = fit(master, incoming, u_samples=20_000, seed=3)
    m, u = fitted.m["birth_date"], fitted.u["birth_date"]
    assert m[1] > 0.5 and u[1] < 0.05
    assert fitted.training["mode"] == "link"
    assert MatchModel.from_json(fitted.to_json()).version == fitted.version
