"""Canonical forms of identifiers, so the same email/phone/handle always meets itself."""

from __future__ import annotations

from services.identity.matching.standardise import email_key as _mailbox
from services.identity.matching.standardise import is_mobile, standardise_phone

CHANNEL_NETWORK = {
    "twitter": "twitter",
    "facebook": "facebook",
    "instagram": "instagram",
    "mastodon": "mastodon",
    "linkedin": "linkedin",
    "xing": "xing",
}


def email(value: str | None) -> str | None:
    """The address as it is kept and shown: trimmed, lower-case."""
    if not value or "@" not in value:
        return None
    return value.strip().lower()


def email_key(value: str | None) -> str | None:
    """The address as an identifier: the mailbox it reaches (Gmail dots, "+tag"s and
    googlemail.com do not make another person), the same rules the matching engine applies."""
    shown = email(value)
    return (_mailbox(shown) or shown) if shown else None


def phone(value: str | None, region: str = "DE") -> str | None:
    """E.164, the same form the matching engine compares."""
    return standardise_phone(value, region) if value else None


def personal(kind: str, value: str) -> bool:
    """Whether the identifier singles out one person: a landline is shared by a household, so
    it is evidence for the model (weighed against household members), not proof."""
    return kind != "phone" or is_mobile(value)


def handle(network: str | None, value: str | None) -> str | None:
    if not network or not value:
        return None
    return f"{network}:{value.strip().lstrip('@').lower()}"


def customer_number(value: str | None) -> str | None:
    if not value:
        return None
    return "".join(value.split()).upper()
