"""Channel adapters: each turns one channel's native payload into `InteractionCreate`s.

Parsers are pure (no database, no HTTP) and only ever raise `shared.ProblemError`s:
400 for unreadable bodies, 413 for oversize ones, 422 for the wrong structure.
`fetch_feed` is the one function that does I/O, and it records failures instead of raising.
"""

from .chat import parse_chat
from .email import parse_email
from .feeds import FeedResult, FetchResult, fetch_feed, parse_feed
from .letter import parse_letter
from .mastodon import parse_mastodon
from .meta import parse_meta, verify_challenge, verify_signature
from .phone import parse_phone
from .review import parse_review
from .twitter import parse_twitter
from .webform import parse_webform

__all__ = [
    "FeedResult",
    "FetchResult",
    "fetch_feed",
    "parse_chat",
    "parse_email",
    "parse_feed",
    "parse_letter",
    "parse_mastodon",
    "parse_meta",
    "parse_phone",
    "parse_review",
    "parse_twitter",
    "parse_webform",
    "verify_challenge",
    "verify_signature",
]
