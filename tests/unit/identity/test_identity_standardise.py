from datetime import date

import pytest

from services.identity.matching.standardise import (
    NICKNAMES,
    split_display_name,
    standardise,
    standardise_email,
    standardise_house_number,
    standardise_phone,
    standardise_postcode,
    standardise_street,
)


def test_nickname_table_ships_about_a_hundred_names() -> None:
    assert len(NICKNAMES) >= 100


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [("Hans", "Johannes"), ("Steffi", "Stefanie"), ("Kathi", "Katharina"), ("Sepp", "Josef"),
     ("Uli", "Ulrich"), ("Bernd", "Bernhard")],
)  # fmt: skip
def test_nickname_standardises_to_the_canonical_given_name(nickname: str, canonical: str) -> None:
    assert standardise(given_name=nickname).given_key == standardise(given_name=canonical).given_key


@pytest.mark.parametrize("spelling", ["Müller", "Mueller", "Muller", "MÜLLER"])
def test_umlaut_spellings_share_one_family_key(spelling: str) -> None:
    assert standardise(family_name=spelling).family_key == "muller"


def test_sharp_s_and_ss_share_one_key() -> None:
    assert standardise(family_name="Weiß").family_key == standardise(family_name="Weiss").family_key


def test_titles_and_particles_are_split_from_the_display_name() -> None:
    assert split_display_name("Prof. Dr. Dipl.-Ing. Hans-Peter von der Heide") == (
        "prof dr dipl-ing",
        "hans-peter",
        "von der",
        "heide",
    )
    assert split_display_name("Frau Müller, Steffi")[1:] == ("steffi", None, "müller")


def test_double_family_name_keeps_its_parts() -> None:
    record = standardise(name="Anna Müller-Lüdenscheidt")
    assert record.family_parts == ("muller", "ludenscheidt")


@pytest.mark.parametrize(
    "street", ["Hauptstraße", "Hauptstrasse", "Hauptstr.", "Haupt-Str.", "hauptstr"]
)
def test_street_abbreviations_standardise_alike(street: str) -> None:
    assert standardise_street(street) == "hauptstr"


@pytest.mark.parametrize(
    ("raw", "expected"), [("12 a", "12a"), ("12A", "12a"), ("12 - 14", "12-14"), ("12/14", "12-14")]
)
def test_house_number_formats_standardise_alike(raw: str, expected: str) -> None:
    assert standardise_house_number(raw) == expected


def test_street_with_house_number_is_split() -> None:
    record = standardise(street="Lindenstr. 12 a")
    assert (record.street, record.house_number) == ("lindenstr", "12a")


def test_postcode_gets_back_its_lost_leading_zero() -> None:
    assert standardise_postcode("1067") == "01067"
    assert standardise_postcode("D-50667") == "50667"
    assert standardise_postcode("123") is None


@pytest.mark.parametrize(
    "raw", ["0221 4711234", "+49 (0)221 4711234", "0049 221 4711234", "0221/4711234"]
)
def test_phone_numbers_become_e164(raw: str) -> None:
    assert standardise_phone(raw) == "+492214711234"


def test_mobile_numbers_are_recognised() -> None:
    assert standardise(phone="0171 1234567").phone_is_mobile
    assert not standardise(phone="0221 4711234").phone_is_mobile


def test_gmail_dots_plus_tags_and_googlemail_are_canonicalised() -> None:
    assert standardise_email("Hans.Mueller+crm@GoogleMail.com") == "hansmueller@gmail.com"


def test_other_providers_keep_dots_and_plus_signs() -> None:
    assert standardise_email("hans.mueller+x@gmx.de") == "hans.mueller+x@gmx.de"
    assert standardise_email("not-an-email") is None


@pytest.mark.parametrize("raw", ["1961-07-03", "03.07.1961", "3.7.1961", "19610703"])
def test_birth_date_formats_parse_alike(raw: str) -> None:
    assert standardise(birth_date=raw).birth_date == date(1961, 7, 3)


def test_impossible_birth_date_is_dropped() -> None:
    assert standardise(birth_date="31.02.1980").birth_date is None


def test_handle_and_customer_number_are_normalised() -> None:
    record = standardise(handle="@Hans_M", customer_number="k 1000-0001", verified={"handle"})
    assert (record.handle, record.customer_number) == ("hans_m", "K10000001")
    assert record.verified == frozenset({"handle"})


@pytest.mark.parametrize("raw", ["k 1000-0001", "K10000001", "k10000001", " k.1000.0001 "])
def test_customer_numbers_keep_their_letters_and_digits_upper_case(raw: str) -> None:
    assert standardise(customer_number=raw).customer_number == "K10000001"


def test_foreign_numbers_go_through_phonenumbers() -> None:
    assert standardise_phone("+1 212 555 0100") == "+12125550100"
    assert standardise_phone("0044 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    "text",
    ["Hans.Mueller@Example.DE", "  Dr.\tHANS \n Peter ", "a\x1fb\x0bc", "K-10 00", "Weiß", "Ǆ ﬁ"],
)
def test_folding_ascii_the_short_way_agrees_with_unicode_folding(text: str) -> None:
    """ASCII skips NFKC and casefold (they leave it as lower() does); both collapse whitespace
    alike, control separators included."""
    import re
    import unicodedata

    from services.identity.matching.standardise import fold

    normal = unicodedata.normalize("NFKC", text).replace("ß", "\x00").casefold()
    assert fold(text) == re.sub(r"\s+", " ", normal.replace("\x00", "ß")).strip()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0221 / 47 11-234", "+492214711234"), ("(0221) 4711234", "+492214711234"),
     ("+49.221.4711234", "+492214711234"), ("0221\u20034711234", "+492214711234"),
     ("+49 (0) 221-47 11 23 4", "+492214711234"), ("0049-221-4711234", "+492214711234"),
     ("0221 47x1234", None), ("00 1 212 555 0100", None), ("0221 47_11234", None),
     ("+492214711234", "+492214711234"), ("+4902214711234", None), ("+4912345", None)],
)  # fmt: skip
def test_german_numbers_lose_spaces_and_separators_and_nothing_else(
    raw: str, expected: str | None
) -> None:
    """The fast path's result, or None where phonenumbers must decide."""
    from services.identity.matching.standardise import _german_e164

    assert _german_e164(raw) == expected


def test_a_two_digit_year_takes_the_century_that_keeps_it_out_of_the_future() -> None:
    from services.identity.matching.standardise import parse_birth_date

    assert parse_birth_date("03.07.61", today=date(2026, 1, 1)) == date(1961, 7, 3)
    assert parse_birth_date("03.07.24", today=date(2026, 1, 1)) == date(2024, 7, 3)
    # The same spelling on another day: read once, but its century is decided per call.
    assert parse_birth_date("03.07.24", today=date(2023, 1, 1)) == date(1924, 7, 3)
    assert parse_birth_date("31.02.24", today=date(2026, 1, 1)) is None


def test_a_birth_date_is_written_in_iso_form_whichever_object_holds_it() -> None:
    from services.identity.matching.standardise import iso_date

    assert iso_date(date(1936, 7, 10)) == "1936-07-10"
    assert iso_date(date(905, 1, 2)) == "0905-01-02"
    # Equal days from different objects share the kept text; different days never do.
    assert iso_date(date(1961, 7, 3)) == iso_date(date.fromisoformat("1961-07-03"))
    assert iso_date(date(1961, 7, 4)) == "1961-07-04"
