from collections.abc import Callable

from services.identity.matching import blocking_keys, standardise
from services.identity.matching.blocking import KEY_KINDS
from services.identity.matching.standardise import StandardRecord


def shared(a: list[str], b: list[str]) -> set[str]:
    return set(a) & set(b)


def test_keys_are_few_prefixed_and_one_of_each_kind(
    customer: Callable[..., StandardRecord],
) -> None:
    keys = blocking_keys(customer(handle="steffi_k"))
    assert 5 <= len(keys) <= 13
    kinds = [k.split(":", 1)[0] for k in keys]
    assert set(kinds) <= set(KEY_KINDS)
    assert len(kinds) == len(set(kinds))  # so a record's keys never repeat (stored as they are)


def test_tweet_with_display_name_finds_the_customer_by_name(
    customer: Callable[..., StandardRecord],
) -> None:
    tweet = standardise(name="Steffi Kretschmann", handle="@sk_1975")
    assert shared(blocking_keys(tweet), blocking_keys(customer()))


def test_misspelt_name_and_town_finds_the_customer(customer: Callable[..., StandardRecord]) -> None:
    letter = standardise(name="Stefanie Kretschman", city="Koeln", postcode="50667")
    assert shared(blocking_keys(letter), blocking_keys(customer()))


def test_married_customer_who_moved_is_found_by_given_name_and_birth_date(
    customer: Callable[..., StandardRecord],
) -> None:
    moved = standardise(
        given_name="Stefanie", family_name="Weber", birth_date="12.04.1975", postcode="80331"
    )
    assert shared(blocking_keys(moved), blocking_keys(customer()))


def test_unknown_email_alone_finds_nobody(customer: Callable[..., StandardRecord]) -> None:
    assert not shared(blocking_keys(standardise(email="x@example.org")), blocking_keys(customer()))
