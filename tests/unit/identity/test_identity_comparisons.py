from collections.abc import Callable

from services.identity.matching.comparisons import (
    ADDRESS_LABELS,
    DOB_LABELS,
    EMAIL_LABELS,
    FAMILY_LABELS,
    GIVEN_LABELS,
    LOCATION_LABELS,
    PHONE_LABELS,
    compare_address,
    compare_birth_date,
    compare_customer_number,
    compare_email,
    compare_family_name,
    compare_given_name,
    compare_location,
    compare_phone,
)
from services.identity.matching.standardise import StandardRecord, standardise


def given(a: str, b: str) -> str:
    return GIVEN_LABELS[compare_given_name(standardise(given_name=a), standardise(given_name=b))]


def family(a: str, b: str) -> str:
    return FAMILY_LABELS[
        compare_family_name(standardise(family_name=a), standardise(family_name=b))
    ]


def test_given_name_levels_from_exact_to_different() -> None:
    assert given("Stefanie", "Stefanie") == "exact"
    assert given("Steffi", "Stefanie") == "nickname_or_spelling_variant"
    assert given("Jürgen", "Juergen") == "nickname_or_spelling_variant"
    assert given("Stefanie", "Stefani") == "jaro_winkler_0.92"
    assert given("S", "Stefanie") == "initial"
    assert given("Stefanie", "Monika") == "different"
    assert given("Stefanie", "") == "missing"


def test_family_name_levels_cover_double_names_and_phonetics() -> None:
    assert family("Müller", "Mueller") == "umlaut_or_spelling_variant"
    assert family("Müller-Schmidt", "Schmidt") == "one_part_of_double_name"
    assert family("Meier", "Mayr") == "phonetic"
    assert family("Kretschmann", "Kretschman") == "jaro_winkler_0.92"
    assert family("Kretschmann", "Weber") == "different"


def test_birth_date_levels() -> None:
    def level(a: str, b: str) -> str:
        return DOB_LABELS[compare_birth_date(standardise(birth_date=a), standardise(birth_date=b))]

    assert level("1975-04-12", "1975-04-12") == "exact"
    assert level("1975-04-12", "1975-12-04") == "day_month_swapped"
    assert level("1975-04-12", "1976-04-12") == "one_digit_typo_or_year_off_by_one"
    assert level("1975-04-12", "1975-04-18") == "one_digit_typo_or_year_off_by_one"
    assert level("1975-04-12", "1982-09-30") == "different"


def test_address_in_another_town_is_a_different_address(
    customer: Callable[..., StandardRecord],
) -> None:
    here = customer()
    assert ADDRESS_LABELS[compare_address(here, customer())] == "street_and_house_number"
    assert ADDRESS_LABELS[compare_address(here, customer(house_number="14"))] == "street_only"
    elsewhere = customer(postcode="80331", city="München")
    assert ADDRESS_LABELS[compare_address(here, elsewhere)] == "different"
    assert LOCATION_LABELS[compare_location(here, elsewhere)] == "different"
    assert LOCATION_LABELS[compare_location(here, customer(city="Koeln"))] == "postcode_and_city"


def test_email_and_phone_levels(customer: Callable[..., StandardRecord]) -> None:
    a = customer()
    other_domain = customer(email="stefanie.kretschmann@gmx.de")
    assert EMAIL_LABELS[compare_email(a, other_domain)] == "same_local_part_other_domain"
    assert PHONE_LABELS[compare_phone(a, customer(phone="+49 221 4711234"))] == "exact"
    assert PHONE_LABELS[compare_phone(a, customer(phone="0228 4711234"))] == "last_7_digits"


def test_customer_number_with_one_typo_is_its_own_level(
    customer: Callable[..., StandardRecord],
) -> None:
    assert compare_customer_number(customer(), customer(customer_number="K10000010")) == 2
