"""Comparison levels per field: how well two standardised records agree on one attribute.

Every comparator returns a level index; level 0 is always "missing" (no evidence either way),
the others are ordered from strongest agreement to "different".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from rapidfuzz.distance import OSA, JaroWinkler

from .standardise import StandardRecord

__all__ = [
    "COMPARISONS",
    "COMPARISON_NAMES",
    "Comparison",
    "compare_address",
    "compare_birth_date",
    "compare_customer_number",
    "compare_email",
    "compare_family_name",
    "compare_given_name",
    "compare_handle",
    "compare_location",
    "compare_phone",
    "comparison_levels",
]

_jw = JaroWinkler.similarity
_osa = OSA.distance

MISSING = 0


@dataclass(frozen=True, slots=True)
class Comparison:
    """One field's comparator, its level labels, and how to look up term frequencies."""

    name: str
    labels: tuple[str, ...]
    compare: Callable[[StandardRecord, StandardRecord], int]
    # The value whose exact agreement the "exact" level (1) measures; used for analytic u.
    exact_value: Callable[[StandardRecord], Hashable | None]
    # Levels whose weight is adjusted by the frequency of the agreed value, and that value.
    tf_levels: tuple[int, ...] = ()
    tf_value: Callable[[StandardRecord], str | None] | None = None
    # Everyone in a household agrees on it (address, landline): no evidence between members.
    household_shared: bool = False

    @property
    def different(self) -> int:
        return len(self.labels) - 1


# --- names --------------------------------------------------------------------------------

GIVEN_LABELS = (
    "missing",
    "exact",
    "nickname_or_spelling_variant",
    "jaro_winkler_0.92",
    "jaro_winkler_0.85",
    "phonetic",
    "initial",
    "different",
)


def compare_given_name(a: StandardRecord, b: StandardRecord) -> int:
    """Exact, nickname/umlaut variant, Jaro-Winkler bands, Kölner code, initial, different."""
    x, y = a.given_name, b.given_name
    if not x or not y:
        return 0
    if x == y:
        return 1
    kx, ky = a.given_key or x, b.given_key or y
    if kx == ky:
        return 2
    if len(kx) == 1 or len(ky) == 1:
        return 6 if kx[0] == ky[0] else 7
    score = _jw(kx, ky)
    if score >= 0.92:
        return 3
    if score >= 0.85:
        return 4
    if a.given_phonetic and a.given_phonetic == b.given_phonetic:
        return 5
    return 7


FAMILY_LABELS = (
    "missing",
    "exact",
    "umlaut_or_spelling_variant",
    "one_part_of_double_name",
    "jaro_winkler_0.92",
    "jaro_winkler_0.85",
    "phonetic",
    "initial",
    "different",
)


def compare_family_name(a: StandardRecord, b: StandardRecord) -> int:
    """Like given names, plus a level for one part of a double name (marriage) agreeing."""
    x, y = a.family_name, b.family_name
    if not x or not y:
        return 0
    if x == y:
        return 1
    kx, ky = a.family_key or x, b.family_key or y
    if kx == ky:
        return 2
    if len(kx) == 1 or len(ky) == 1:
        return 7 if kx[0] == ky[0] else 8
    pa, pb = a.family_parts, b.family_parts
    if (len(pa) > 1 or len(pb) > 1) and not set(pa).isdisjoint(pb):
        return 3
    score = _jw(kx, ky)
    if score >= 0.92:
        return 4
    if score >= 0.85:
        return 5
    if a.family_phonetic and a.family_phonetic == b.family_phonetic:
        return 6
    return 8


# --- date of birth --------------------------------------------------------------------------

DOB_LABELS = (
    "missing",
    "exact",
    "day_month_swapped",
    "one_digit_typo_or_year_off_by_one",
    "different",
)


def compare_birth_date(a: StandardRecord, b: StandardRecord) -> int:
    """Exact, day/month swapped, one digit typo or ±1 year on the same day, different."""
    x, y = a.birth_date, b.birth_date
    if x is None or y is None:
        return 0
    if x == y:
        return 1
    if x.year == y.year and x.day == y.month and x.month == y.day:
        return 2
    if x.month == y.month and x.day == y.day and abs(x.year - y.year) <= 1:
        return 3
    sx = str(x.year * 10000 + x.month * 100 + x.day)
    sy = str(y.year * 10000 + y.month * 100 + y.day)
    if len(sx) != len(sy):
        return 4
    if sum(1 for p, q in zip(sx, sy, strict=True) if p != q) == 1:
        return 3
    return 4


# --- address --------------------------------------------------------------------------------

LOCATION_LABELS = (
    "missing",
    "postcode_and_city",
    "postcode",
    "city",
    "postcode_region",
    "different",
)


def compare_location(a: StandardRecord, b: StandardRecord) -> int:
    """Postcode and city, postcode only, city only, same 3-digit postcode region, different."""
    pa, pb, ca, cb = a.postcode, b.postcode, a.city, b.city
    have_postcodes = bool(pa and pb)
    have_cities = bool(ca and cb)
    if not have_postcodes and not have_cities:
        return 0
    if have_postcodes and pa == pb:
        return 1 if have_cities and ca == cb else 2
    if have_cities and ca == cb:
        return 3
    if have_postcodes and pa[:3] == pb[:3]:  # type: ignore[index]
        return 4
    return 5


ADDRESS_LABELS = (
    "missing",
    "street_and_house_number",
    "street_only",
    "similar_street_same_house_number",
    "different",
)


def compare_address(a: StandardRecord, b: StandardRecord) -> int:
    """Street and house number in the same place; a street elsewhere counts as different."""
    sa, sb = a.street, b.street
    if not sa or not sb:
        return 0
    pa, pb, ca, cb = a.postcode, b.postcode, a.city, b.city
    if pa and pb and pa != pb and not (ca and cb and ca == cb):
        return 4
    if not (pa and pb) and ca and cb and ca != cb:
        return 4
    ha, hb = a.house_number, b.house_number
    if sa == sb:
        return 1 if ha and ha == hb else 2
    if ha and ha == hb and _jw(sa, sb) >= 0.9:
        return 3
    return 4


# --- contact points -------------------------------------------------------------------------

EMAIL_LABELS = ("missing", "exact", "same_local_part_other_domain", "different")


def compare_email(a: StandardRecord, b: StandardRecord) -> int:
    """Exact, same local part at another domain, different.

    No "similar local part" level: local parts are built from names ("sabine.schmidt83"), so
    similarity there repeats the name evidence instead of adding independent evidence.
    """
    x, y = a.email, b.email
    if not x or not y:
        return 0
    if x == y:
        return 1
    if x.rpartition("@")[0] == y.rpartition("@")[0]:
        return 2
    return 3


PHONE_LABELS = ("missing", "exact", "last_7_digits", "different")


def compare_phone(a: StandardRecord, b: StandardRecord) -> int:
    """E.164 exact, last seven digits equal (prefix or country code lost), different."""
    x, y = a.phone, b.phone
    if not x or not y:
        return 0
    if x == y:
        return 1
    if len(x) >= 8 and len(y) >= 8 and x[-7:] == y[-7:]:
        return 2
    return 3


HANDLE_LABELS = ("missing", "exact", "different")


def compare_handle(a: StandardRecord, b: StandardRecord) -> int:
    """Exact or different; similar handles ("sabine_weber3") mostly repeat the name evidence."""
    x, y = a.handle, b.handle
    if not x or not y:
        return 0
    return 1 if x == y else 2


CUSTOMER_NUMBER_LABELS = ("missing", "exact", "one_typo", "different")


def compare_customer_number(a: StandardRecord, b: StandardRecord) -> int:
    """Exact, one substitution/insertion/deletion/transposition, different."""
    x, y = a.customer_number, b.customer_number
    if not x or not y:
        return 0
    if x == y:
        return 1
    return 2 if _osa(x, y, score_cutoff=1) <= 1 else 3


COMPARISONS: tuple[Comparison, ...] = (
    Comparison(
        "given_name",
        GIVEN_LABELS,
        compare_given_name,
        exact_value=lambda r: r.given_name,
        tf_levels=(1, 2),
        tf_value=lambda r: r.given_key,
    ),
    Comparison(
        "family_name",
        FAMILY_LABELS,
        compare_family_name,
        exact_value=lambda r: r.family_name,
        tf_levels=(1, 2),
        tf_value=lambda r: r.family_key,
    ),
    Comparison("birth_date", DOB_LABELS, compare_birth_date, exact_value=lambda r: r.birth_date),
    Comparison(
        "location",
        LOCATION_LABELS,
        compare_location,
        exact_value=lambda r: (r.postcode, r.city) if r.postcode and r.city else None,
        tf_levels=(1, 2),
        tf_value=lambda r: r.postcode,
        household_shared=True,
    ),
    Comparison(
        "address",
        ADDRESS_LABELS,
        compare_address,
        exact_value=lambda r: (
            (r.postcode or r.city, r.street, r.house_number)
            if r.street and r.house_number
            else None
        ),
        household_shared=True,
    ),
    Comparison("email", EMAIL_LABELS, compare_email, exact_value=lambda r: r.email),
    Comparison(
        "phone",
        PHONE_LABELS,
        compare_phone,
        exact_value=lambda r: r.phone,
        household_shared=True,
    ),
    Comparison("handle", HANDLE_LABELS, compare_handle, exact_value=lambda r: r.handle),
    Comparison(
        "customer_number",
        CUSTOMER_NUMBER_LABELS,
        compare_customer_number,
        exact_value=lambda r: r.customer_number,
    ),
)

COMPARISON_NAMES: tuple[str, ...] = tuple(c.name for c in COMPARISONS)


def comparison_levels(a: StandardRecord, b: StandardRecord) -> tuple[int, ...]:
    """The comparison vector of a pair, one level per field in COMPARISONS order."""
    return tuple(c.compare(a, b) for c in COMPARISONS)
