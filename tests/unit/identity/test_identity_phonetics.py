import pytest

from services.identity.matching.phonetics import (
    koelner_phonetik,
    koelner_phonetik_raw,
    metaphone,
)


def test_published_intermediate_code_of_mueller_luedenscheidt() -> None:
    assert koelner_phonetik_raw("Müller-Lüdenscheidt") == "60550750206880022"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Müller-Lüdenscheidt", "65752682"),
        ("Wikipedia", "3412"),
        ("Breschnew", "17863"),
    ],
)
def test_koelner_phonetik_matches_published_examples(name: str, code: str) -> None:
    assert koelner_phonetik(name) == code


@pytest.mark.parametrize(
    ("a", "b"), [("Meier", "Mayr"), ("Müller", "Mueller"), ("Schmidt", "Schmitt")]
)
def test_spelling_variants_share_a_koelner_code(a: str, b: str) -> None:
    assert koelner_phonetik(a) == koelner_phonetik(b)


def test_leading_vowel_zero_is_kept_and_inner_zeros_dropped() -> None:
    assert koelner_phonetik("Otto") == "02"


def test_text_without_letters_has_empty_codes() -> None:
    assert koelner_phonetik("123 -") == ""
    assert metaphone("") == ""
