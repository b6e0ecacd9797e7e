"""Standardisation of person fragments, shared by the master import and online matching."""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from importlib import resources

import phonenumbers

from .phonetics import koelner_phonetik

__all__ = [
    "NICKNAMES",
    "RECORD_SETTERS",
    "StandardRecord",
    "canonical_given_name",
    "email_key",
    "fold",
    "is_mobile",
    "iso_date",
    "name_key",
    "parse_birth_date",
    "split_display_name",
    "standardise",
    "standardise_city",
    "standardise_email",
    "standardise_house_number",
    "standardise_phone",
    "standardise_postcode",
    "standardise_street",
]


@dataclass(frozen=True, slots=True)
class StandardRecord:
    """A person fragment after standardisation; every field is optional except the id.

    `*_name` fields keep umlauts (folded); `*_key` fields are the normalised keys (umlaut and
    ß variants unified, given names mapped from nicknames to the canonical name).
    """

    record_id: str | None = None
    title: str | None = None
    given_name: str | None = None
    given_key: str | None = None
    given_phonetic: str | None = None
    particles: str | None = None
    family_name: str | None = None
    family_key: str | None = None
    family_parts: tuple[str, ...] = ()
    family_phonetic: str | None = None
    birth_date: date | None = None
    street: str | None = None
    house_number: str | None = None
    postcode: str | None = None
    city: str | None = None
    email: str | None = None
    phone: str | None = None
    phone_is_mobile: bool = False
    handle: str | None = None
    customer_number: str | None = None
    verified: frozenset[str] = frozenset()


# The record's fields as (name, slot setter, default): a new record is filled through them
# (`standardise`, and decoding a stored record), for the frozen dataclass's generated __init__
# runs as interpreted Python and sets each field with object.__setattr__ (about a tenth of a
# bulk import's validation, and half of decoding a lookup's ~200 candidates, measured).
RECORD_SETTERS = tuple(
    (f.name, getattr(StandardRecord, f.name).__set__, f.default) for f in fields(StandardRecord)
)


def _new_record(**values: object) -> StandardRecord:
    """A StandardRecord of every one of its fields' values."""
    record: StandardRecord = object.__new__(StandardRecord)
    for name, put, _ in RECORD_SETTERS:
        put(record, values[name])
    return record


# ---------------------------------------------------------------------------------------------
# Text

_DIACRITIC_FREE = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
_SKELETON = re.compile(r"(?<=[a-z])(ae|oe|ue)")
_NOT_NAME = re.compile(r"[^\w\- ]|[\d_]")
_SPACES = re.compile(r"\s+")
_PARTS = re.compile(r"[- ]+")  # of a name


def fold(text: str | None) -> str:
    """NFKC, case folding (ß stays ß: casefold would turn it into ss too early), trimmed."""
    if not text:
        return ""
    if text.isascii():  # NFKC leaves ASCII as it is; its case folding is lower()
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", text.replace("ß", "\x00").casefold().replace("\x00", "ß")).strip()


@lru_cache(maxsize=262144)
def name_key(text: str) -> str:
    """Umlaut-insensitive key: ü, ue and u (and ß/ss, é/e) become one spelling."""
    text = text.translate(_DIACRITIC_FREE)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    # "Mueller" and "Muller" both become "muller"; applied to both sides, so consistent.
    return _SKELETON.sub(lambda m: m.group(1)[0], text)


def _load_nicknames() -> dict[str, str]:
    table: dict[str, str] = {}
    source = resources.files(__package__).joinpath("data/nicknames.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            table[name_key(fold(row["nickname"]))] = name_key(fold(row["canonical"]))
    return table


NICKNAMES: dict[str, str] = _load_nicknames()


@lru_cache(maxsize=262144)
def canonical_given_name(given: str) -> str:
    """Key of a given name with each part mapped from nickname/variant to the canonical name."""
    parts = [name_key(part) for part in _PARTS.split(given) if part]
    return "-".join(NICKNAMES.get(part, part) for part in parts)


# ---------------------------------------------------------------------------------------------
# Names

_TITLES = frozenset(
    {
        "dr", "prof", "dipl-ing", "dipl", "ing", "herr", "frau", "hr", "fr", "mag", "med",
        "rer", "nat", "phil", "jur", "dres", "mr", "mrs", "ms", "miss", "sir", "dr-ing", "msc",
        "bsc", "mba", "familie", "fam",
    }
)  # fmt: skip
_PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "zu", "zum", "zur", "vom", "di", "da", "du", "la", "le",
     "ten", "ter", "del", "dos", "af", "al"}
)  # fmt: skip


def _clean_name_token(token: str) -> str:
    return token.strip(".,;:'\"()[]")


_TITLE_KEYS = frozenset(t.replace("-", "") for t in _TITLES)


def _is_title(token: str) -> bool:
    return token.replace(".", "").replace("-", "") in _TITLE_KEYS


def split_display_name(name: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Split "Dr. Hans von der Heide" or "Heide, Hans" into (title, given, particles, family)."""
    text = fold(name)
    if not text:
        return None, None, None, None
    titles: list[str] = []

    def without_titles(part: str) -> list[str]:
        kept = []
        for token in part.split():
            if _is_title(token):
                titles.append(token.replace(".", ""))
            elif cleaned := _clean_name_token(token):
                kept.append(cleaned)
        return kept

    if "," in text:
        family_part, _, given_part = text.partition(",")
        family_tokens_raw = without_titles(family_part)
        tokens = [*without_titles(given_part), *family_tokens_raw]
        family_count = len(family_tokens_raw)
    else:
        tokens = without_titles(text)
        family_count = 0
    title = " ".join(titles) or None
    if not tokens:
        return title, None, None, None
    if len(tokens) == 1 and not family_count:
        return title, tokens[0], None, None
    if family_count:
        given_tokens, family_tokens = tokens[: len(tokens) - family_count], tokens[-family_count:]
    else:
        # Particles belong to the family name: "Hans von der Heide" -> family "heide".
        start = len(tokens) - 1
        while start > 1 and tokens[start - 1] in _PARTICLES:
            start -= 1
        given_tokens, family_tokens = tokens[:start], tokens[start:]
    particles = [t for t in family_tokens[:-1] if t in _PARTICLES]
    family = " ".join(t for t in family_tokens if t not in _PARTICLES) or family_tokens[-1]
    given = " ".join(given_tokens) or None
    return title, given, " ".join(particles) or None, family


# Given and family names each repeat a lot (a master of a million holds some tens of thousands
# of family names), so each is standardised once; their pairs rarely repeat (caching the pairs
# at a million customers: half of them missed, and 262,144 entries held about 100 MB in each
# import worker).
_NO_GIVEN: tuple[None, None, None] = (None, None, None)
_NO_FAMILY: tuple[None, None, tuple[str, ...], None] = (None, None, (), None)


@lru_cache(maxsize=65536)
def _given_fields(given: str) -> tuple[str | None, str | None, str | None]:
    given_name = _NOT_NAME.sub("", fold(given).replace(".", "")).strip(" -") or None
    if not given_name:
        return _NO_GIVEN
    # Only the given name's first space-separated part goes into keys; the second is usually a
    # middle name that channels drop ("Hans Peter" vs "Hans").
    first = given_name.split(" ")[0]
    return given_name, canonical_given_name(first), koelner_phonetik(first) or None


@lru_cache(maxsize=262144)
def _family_fields(family: str) -> tuple[str | None, str | None, tuple[str, ...], str | None]:
    family_name = _NOT_NAME.sub("", fold(family).replace(".", "")).strip(" -") or None
    if not family_name:
        return _NO_FAMILY
    tokens = [t for t in family_name.split(" ") if t not in _PARTICLES] or [family_name]
    family_name = " ".join(tokens)
    family_key = name_key(family_name).replace(" ", "")
    parts = tuple(p for p in _PARTS.split(name_key(family_name)) if p)
    return family_name, family_key, parts, koelner_phonetik(family_name) or None


def _name_fields(
    given: str | None, family: str | None
) -> tuple[str | None, str | None, str | None, str | None, str | None, tuple[str, ...], str | None]:
    return (
        *(_given_fields(given) if given else _NO_GIVEN),
        *(_family_fields(family) if family else _NO_FAMILY),
    )


# ---------------------------------------------------------------------------------------------
# Address

_STREET_SUFFIX = re.compile(r"(stra(ss|ß)e|str\b\.?|str\.)")
_PLATZ = re.compile(r"\bpl\.|platz\b")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HOUSE = re.compile(r"^\s*(\d+)\s*([a-z])?\s*(?:[-/]\s*(\d+)\s*([a-z])?)?\s*$")
_STREET_WITH_NUMBER = re.compile(r"^(.*?\D)\s*(\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)\s*$")


@lru_cache(maxsize=262144)
def standardise_street(street: str) -> str | None:
    """ "Hauptstraße", "Haupt-Str.", "hauptstr" -> "hauptstr"."""
    text = fold(street)
    text = _STREET_SUFFIX.sub("str", text)
    text = _PLATZ.sub("pl", text)
    text = _NON_ALNUM.sub("", name_key(text))
    return text or None


@lru_cache(maxsize=65536)  # house numbers and postcodes repeat: caching them pays at import
def standardise_house_number(number: str) -> str | None:
    """ "12 a" -> "12a", "12 - 14" and "12/14" -> "12-14"."""
    text = fold(number)
    match = _HOUSE.match(text)
    if not match:
        return _NON_ALNUM.sub("", text) or None
    first, letter, second, letter2 = match.groups()
    out = str(int(first)) + (letter or "")
    if second:
        out += "-" + str(int(second)) + (letter2 or "")
    return out


@lru_cache(maxsize=65536)
def standardise_postcode(postcode: str) -> str | None:
    """German postcode: five digits; a lost leading zero (spreadsheets) is restored."""
    digits = "".join(ch for ch in str(postcode) if ch.isdigit())
    if len(digits) == 4:
        digits = "0" + digits
    return digits if len(digits) == 5 else None


_CITY_ABBREVIATIONS = (
    (re.compile(r"\ba\.\s*m\.?(?=\s|$)"), "am main"),
    (re.compile(r"\bi\.\s*br\.?(?=\s|$)"), "im breisgau"),
    (re.compile(r"\ba\.\s*d\.?(?=\s|$)"), "an der"),
    (re.compile(r"\bst\.\s*"), "sankt "),
)


@lru_cache(maxsize=65536)
def standardise_city(city: str) -> str | None:
    """ "Frankfurt a.M." and "Frankfurt am Main" -> "frankfurtammain"."""
    text = fold(city).split("(")[0].split(",")[0]
    for pattern, replacement in _CITY_ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return _NON_ALNUM.sub("", name_key(text)) or None


# ---------------------------------------------------------------------------------------------
# Contact points

# Only rules the providers document: Gmail ignores dots and "+tag"; googlemail.com is Gmail;
# Outlook.com supports "+tag" sub-addressing. Everything else keeps its local part.
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
_DOTS_IGNORED = frozenset({"gmail.com"})
_PLUS_TAGS = frozenset({"gmail.com", "outlook.com", "outlook.de", "hotmail.com", "hotmail.de",
                        "live.com", "live.de"})  # fmt: skip


def standardise_email(email: str) -> str | None:
    """Lower-case; provider-specific rules only where documented (Gmail dots/plus, googlemail)."""
    return email_key(fold(email))


def email_key(email: str) -> str | None:
    """The mailbox an address reaches: lower-case, and the providers' documented rules (Gmail
    ignores dots, googlemail.com is gmail.com, Gmail and Outlook drop "+tag"). The same mailbox
    is the same identifier, at import and at match time."""
    text = email.strip().lower().strip("<>").removeprefix("mailto:")
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    domain = _DOMAIN_ALIASES.get(domain.rstrip("."), domain.rstrip("."))
    if domain in _PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in _DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


_MOBILE_PREFIXES = ("+4915", "+4916", "+4917")


def is_mobile(phone_e164: str | None) -> bool:
    """A German mobile number (E.164): one person's, where a landline is a household's."""
    return bool(phone_e164 and phone_e164.startswith(_MOBILE_PREFIXES))


def _german_e164(phone: str) -> str | None:
    """Fast path for German numbers in the usual spellings; None means "ask phonenumbers"."""
    if phone.startswith("+49") and phone[1:].isdigit():  # E.164 already (as an import hands on)
        plus, digits = True, phone[1:]
    else:
        text = phone.strip().replace("(0)", "")
        plus = text.startswith("+")
        # Without whitespace and the separators -/(). (str methods cost a fraction of a regular
        # expression's sub here).
        digits = "".join(text.lstrip("+").split())
        for separator in "-/().":
            digits = digits.replace(separator, "")
        if not digits.isdigit():
            return None
    if plus:
        national = digits[2:] if digits.startswith("49") else None
    elif digits.startswith("0049"):
        national = digits[4:]
    elif digits.startswith("00"):
        national = None
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = None
    if national is None or national.startswith("0") or not 6 <= len(national) <= 13:
        return None
    return "+49" + national


def standardise_phone(phone: str, region: str = "DE") -> str | None:
    """E.164 ("+49301234567") or None when the number is not possible."""
    if region == "DE" and (fast := _german_e164(phone)):
        return fast
    return _parsed_phone(phone, region)


@lru_cache(maxsize=65536)
def _parsed_phone(phone: str, region: str) -> str | None:
    """The rest, through phonenumbers (slow: cached)."""
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>\d{2}|\d{4})$"),
    re.compile(r"^(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)


def parse_birth_date(value: str | date | None, *, today: date | None = None) -> date | None:
    """ISO, German ("3.7.1961", "03.07.61") or compact dates; None when not a real date."""
    if value is None or isinstance(value, date):
        return value
    written = _date_as_written(value.strip())
    if written is None:
        return None
    year, month, day = written
    if year < 100:
        current = (today or date.today()).year % 100
        year += 2000 if year <= current else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


@lru_cache(maxsize=65536)  # birth dates repeat: a century holds 36,525 of them
def iso_date(day: date) -> str:
    """`day.isoformat()`, kept per day: a bulk import writes each row's birth date three or
    four times (its column, its record, two blocking keys), and each formatting costs about
    4,500 instructions (callgrind), a cached one a few hundred."""
    return day.isoformat()


@lru_cache(maxsize=65536)  # birth dates repeat: a century holds 36,525 of them
def _date_as_written(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) as the first format that fits reads them, or None."""
    for pattern in _DATE_FORMATS:
        if match := pattern.match(text):
            return int(match["y"]), int(match["m"]), int(match["d"])
    return None


def _handle(handle: str | None) -> str | None:
    text = fold(handle).removeprefix("@")
    return text or None


def _customer_number(number: str | None) -> str | None:
    if number and number.isascii() and number.isalnum():  # the usual case, as fold + sub find it
        return number.upper()
    text = _NON_ALNUM.sub("", fold(number))
    return text.upper() or None


@lru_cache(maxsize=262144)
def _family_split(family_name: str) -> tuple[str | None, str]:
    """(particles, family name) of a family-name field ("von der Heide" -> "von der", "heide")."""
    _, _, particles, family_only = split_display_name("x " + family_name)
    return particles, family_only or family_name


@lru_cache(maxsize=65536)
def _given_without_titles(given_name: str) -> str | None:
    kept = [t for t in fold(given_name).split() if not _is_title(t)]
    return " ".join(kept) or None


def standardise(
    *,
    record_id: str | None = None,
    name: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    birth_date: str | date | None = None,
    street: str | None = None,
    house_number: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    handle: str | None = None,
    customer_number: str | None = None,
    verified: frozenset[str] | set[str] | tuple[str, ...] = (),
) -> StandardRecord:
    """Standardise raw fields; `name` (a display name) fills given/family when they are absent."""
    title = particles = None
    if name and not (given_name or family_name):
        title, given_name, particles, family_name = split_display_name(name)
    elif family_name:
        particles, family_name = _family_split(family_name)
    if given_name:
        given_name = _given_without_titles(given_name)
    given, given_key, given_ph, family, family_key, parts, family_ph = _name_fields(
        given_name, family_name
    )
    if street and not house_number:
        match = _STREET_WITH_NUMBER.match(street)
        if match:
            street, house_number = match.group(1), match.group(2)
    phone_e164 = standardise_phone(phone) if phone else None
    return _new_record(
        record_id=record_id,
        title=title,
        given_name=given,
        given_key=given_key or None,
        given_phonetic=given_ph,
        particles=particles,
        family_name=family,
        family_key=family_key or None,
        family_parts=parts,
        family_phonetic=family_ph,
        birth_date=parse_birth_date(birth_date),
        street=standardise_street(street) if street else None,
        house_number=standardise_house_number(house_number) if house_number else None,
        postcode=standardise_postcode(postcode) if postcode else None,
        city=standardise_city(city) if city else None,
        email=standardise_email(email) if email else None,
        phone=phone_e164,
        phone_is_mobile=is_mobile(phone_e164),
        handle=_handle(handle),
        customer_number=_customer_number(customer_number),
        verified=frozenset(verified),
    )
