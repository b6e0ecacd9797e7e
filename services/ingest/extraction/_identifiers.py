"""Emails, phones, handles, customer/contract numbers and IBANs in free text."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from ._spans import Found, mask
from .schemas import CustomerNumberPatterns

DEFAULT_REGION = "DE"

_EMAIL = re.compile(r"(?<![\w.+@-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_HANDLE = re.compile(r"(?<![\w@./])@(\w{1,30})(?:@([\w-]+(?:\.[\w-]+)+))?")
# Things that look like digits in phone shape but are not phones; blanked before phone matching.
_NOT_PHONE = re.compile(
    r"\b\d{1,2}\.\d{1,2}\.(?:\d{2,4})?"  # 06.10.2025, 1.12.
    r"|\b\d{4}-\d{2}-\d{2}\b"  # 2025-10-06
    r"|\b\d{1,2}:\d{2}\b"  # 09:14
    r"|\b\d{1,3}(?:[.,]\d{3})*(?:[.,]\d{1,2})?\s?(?:€|eur\b|euro\b|kwh\b|mbit|gb\b|%)"
    r"|[€$£]\s?\d[\d.,]*"
    r"|\b\d{5}(?=\s+[A-ZÄÖÜ][a-zäöüß])",  # postcode before a city name
    re.IGNORECASE,
)
# A phone cue right before a number lets us accept groupings STRICT_GROUPING rejects (089 12 34 56).
_PHONE_CUE = re.compile(
    r"(?:tel(?:efon)?\.?|phone|mobil(?:e|nummer)?\.?|handy|fax|rufnummer|nummer|number|"
    r"call(?: me)?(?: on| at)?|anrufen|zurückrufen|erreichbar|unter|on|at|[tmf])\s*[:.]?\s*$",
    re.IGNORECASE,
)


def find_emails(text: str) -> list[Found]:
    found = []
    for match in _EMAIL.finditer(text):
        candidate = match.group(0).rstrip(".-")
        try:
            normalized = validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
        found.append(
            Found("email", normalized.lower(), match.start(), match.start() + len(candidate), 1.0)
        )
    return found


def mask_urls(text: str) -> str:
    return mask(text, [m.span() for m in _URL.finditer(text)])


def mask_iban(iban: str) -> str:
    """DE89370400440532013000 → DE89************3000: enough to match, not enough to debit."""
    return iban[:4] + "*" * max(0, len(iban) - 8) + iban[-4:]


def find_ibans(text: str) -> list[Found]:
    found = []
    for match in _IBAN.finditer(text):
        raw = match.group(0)
        # The pattern may run into a following group of capitals; shrink until the checksum holds.
        for end in range(len(raw), 14, -1):
            candidate = raw[:end].rstrip()
            try:
                iban = IBAN(candidate)
            except (SchwiftyException, ValueError):
                continue
            found.append(
                Found("iban", mask_iban(iban.compact), match.start(), match.start() + end, 1.0)
            )
            break
    return found


def find_customer_numbers(text: str, patterns: CustomerNumberPatterns) -> list[Found]:
    found = []
    for kind, pattern in patterns.compiled:
        for match in pattern.finditer(text):
            group = "value" if "value" in pattern.groupindex else 1
            value = match.group(group)
            if not value or sum(c.isdigit() for c in value) < patterns.min_digits:
                continue
            start, end = match.span(group)
            found.append(Found(kind, value.upper(), start, end, 0.95))
    return found


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_phones(text: str, region: str = DEFAULT_REGION) -> list[Found]:
    """Phone numbers as E.164. Dates, amounts and postcodes are blanked first."""
    blanked = mask(text, [m.span() for m in _NOT_PHONE.finditer(text)])
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    strict = phonenumbers.Leniency.STRICT_GROUPING
    for match in phonenumbers.PhoneNumberMatcher(blanked, region, leniency=strict):
        found.append(Found("phone", _e164(match.number), match.start, match.end, 0.95))
        taken.append((match.start, match.end))
    # German writers group numbers freely ("0171-234 56 78", "089 12 34 56"), which strict
    # grouping rejects; accept those only in international form (dates never start with "+")
    # or right after a phone cue such as "Tel." or "Mobil:".
    rest = mask(blanked, taken)
    lenient = phonenumbers.Leniency.VALID
    for match in phonenumbers.PhoneNumberMatcher(rest, region, leniency=lenient):
        international = match.raw_string.startswith(("+", "00"))
        if international or _PHONE_CUE.search(rest[max(0, match.start - 30) : match.start]):
            found.append(Found("phone", _e164(match.number), match.start, match.end, 0.8))
    return found


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str | None:
    """A single claimed phone number (e.g. from a form field) as E.164, if valid."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return _e164(number) if phonenumbers.is_valid_number(number) else None


def find_handles(text: str) -> list[Found]:
    found = []
    for match in _HANDLE.finditer(text):
        user, instance = match.group(1), match.group(2)
        value = f"@{user}@{instance.lower()}" if instance else f"@{user}"
        # Mentions are often the brand or another person, so they are weak evidence.
        found.append(Found("handle", value, match.start(), match.end(), 0.5))
    return found


def find_identifiers(text: str, patterns: CustomerNumberPatterns) -> tuple[list[Found], str]:
    """All identifiers in text, and the text with them blanked (for names and addresses)."""
    text = mask_urls(text)
    emails = find_emails(text)
    text = mask(text, [(f.start, f.end) for f in emails])
    ibans = find_ibans(text)
    text = mask(text, [(f.start, f.end) for f in ibans])
    numbers = find_customer_numbers(text, patterns)
    text = mask(text, [(f.start, f.end) for f in numbers])
    handles = find_handles(text)
    text = mask(text, [(f.start, f.end) for f in handles])
    phones = find_phones(text)
    text = mask(text, [(f.start, f.end) for f in phones])
    return [*emails, *ibans, *numbers, *handles, *phones], text
