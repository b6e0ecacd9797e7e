"""Helpers every channel adapter shares: size limits, JSON loading, validation, building."""

from __future__ import annotations

import functools
import hashlib
import math
import re
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Annotated, Any, ParamSpec, TypeVar

import orjson
from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PageElement
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from services.ingest.interactions.schemas import AuthorIn, InteractionCreate
from shared import BadRequest, PayloadTooLarge, ProblemError, UnprocessableEntity

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

DEFAULT_MAX_JSON_BYTES = 1024 * 1024
TEXT_LIMIT = 200_000
SUBJECT_LIMIT = 2000
ID_LIMIT = 500
HTML_LIMIT = 2_000_000  # characters handed to BeautifulSoup; the text cap is far below this
_AUTHOR_LIMITS = {"name": 300, "email": 320, "phone": 64, "handle": 200, "profile_url": 2000}
_COUNT_LIMIT = 10_000_000_000


class NativeModel(BaseModel):
    """Base for the models of native payloads.

    Unknown fields are the platforms' business and ignored; known ones must have the right
    JSON type (strict: no "5" for 5, no `true` for 1), since a silently coerced value is a
    worse surprise than a 422.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


def guard(what: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Turn anything but a `ProblemError` escaping a parser into a 422: input never crashes us."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ProblemError:
                raise
            except ValidationError as exc:
                raise UnprocessableEntity(
                    f"{what} does not fit an interaction", errors=validation_errors(exc)
                ) from exc
            except Exception as exc:
                raise UnprocessableEntity(
                    f"{what} could not be parsed ({type(exc).__name__})"
                ) from exc

        return wrapper

    return decorate


def check_size(body: bytes | bytearray | memoryview | str, *, max_bytes: int, what: str) -> None:
    """Refuse bodies above the adapter's limit before touching them."""
    size = len(body.encode("utf-8", "surrogatepass")) if isinstance(body, str) else len(body)
    if size > max_bytes:
        raise PayloadTooLarge(
            f"{what} is {size} bytes; the limit is {max_bytes}", max_bytes=max_bytes
        )


def as_bytes(body: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    raise BadRequest(f"body must be bytes, not {type(body).__name__}")


def load_json(body: bytes | bytearray | memoryview | str, *, max_bytes: int, what: str) -> Any:
    """Parse a JSON body; malformed JSON is a 400 naming where it broke."""
    check_size(body, max_bytes=max_bytes, what=what)
    data = as_bytes(body).removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise BadRequest(f"{what} is empty")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            f"{what} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors as JSON-safe dicts, without echoing the (possibly personal) input."""
    return [
        {"loc": [str(part) for part in err["loc"]], "msg": err["msg"], "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def validate(model: type[M], data: Any, *, what: str, loc: tuple[str | int, ...] = ()) -> M:
    """Validate native JSON against its model; structural problems become a 422 with `errors`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors(exc)
        for error in errors:
            error["loc"] = [str(part) for part in loc] + error["loc"]
        raise UnprocessableEntity(
            f"{what} does not have the expected structure", errors=errors
        ) from exc


def unprocessable(what: str, loc: list[str], msg: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"{what} does not have the expected structure",
        errors=[{"loc": loc, "msg": msg, "type": "value_error"}],
    )


# --- native field types ---------------------------------------------------------------------


def _to_id(value: Any) -> Any:
    # Platforms send ids as strings; hand-written and older payloads use numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ValueError("id must not be empty")
    return value


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601, RFC 2822 or a Unix epoch (seconds or milliseconds) as an aware datetime."""
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError("timestamp must be finite")
        seconds = value / 1000 if abs(value) > 100_000_000_000 else value
        try:
            result = datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError("timestamp is out of range") from exc
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{9,13}", text):
            return parse_timestamp(int(text))
        try:
            result = datetime.fromisoformat(text)
        except ValueError:
            try:
                result = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError, OverflowError) as exc:
                raise ValueError("not an ISO 8601 or RFC 2822 timestamp") from exc
    else:
        raise ValueError("timestamp must be a string or a number")
    return result if result.tzinfo is not None else result.replace(tzinfo=UTC)


Id = Annotated[str, BeforeValidator(_to_id)]
Timestamp = Annotated[datetime, BeforeValidator(parse_timestamp)]


# --- text -----------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
        "section", "article", "header", "footer", "pre", "hr", "blockquote", "dd", "dt",
    }
)  # fmt: skip
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})
# html.parser slows down superlinearly on deeply nested markup; past this many tags we strip
# them with a regex instead: cruder text, but bounded time for hostile input.
_TAG_LIMIT = 20_000
_TAG_RE = re.compile(r"<[^<>]{0,2000}>")
_BREAK_TAG_RE = re.compile(r"<(?:br|/?p|/?div|/?li|/?tr|/?h\d|/?blockquote)\b[^<>]{0,2000}>", re.I)
_SPACES_RE = re.compile(r"[ \t\f\v\r\n]+")


def html_to_text(html: str) -> str:
    """Readable text from HTML; blockquotes become "> " lines so quote stripping sees them."""
    html = html[:HTML_LIMIT]
    if html.count("<") > _TAG_LIMIT:
        text = _BREAK_TAG_RE.sub("\n", html)
        return normalise_text(unescape(_TAG_RE.sub(" ", text)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(html, "html.parser")
    return normalise_text(_render(soup))


def _render(soup: BeautifulSoup) -> str:
    # One iterative walk (no recursion, no tree edits): each output line remembers how many
    # blockquotes it sits in and gets that many "> " in front.
    lines: list[tuple[int, list[str]]] = [(0, [])]
    depth = 0
    stack: list[tuple[PageElement, bool]] = [(soup, False)]
    while stack:
        node, leaving = stack.pop()
        if isinstance(node, Tag):
            if leaving:
                depth -= node.name == "blockquote"
                lines.append((depth, []))
                continue
            if node.name in _SKIPPED_TAGS:
                continue
            if node.name == "br":
                lines.append((depth, []))
                continue
            depth += node.name == "blockquote"
            if node.name in _BLOCK_TAGS:
                lines.append((depth, []))
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:  # not comments, doctypes, CDATA, …
            text = str(node)
            if text.strip() and not lines[-1][1]:
                lines[-1] = (depth, lines[-1][1])
            lines[-1][1].append(text)
    rendered = []
    for level, parts in lines:
        line = _SPACES_RE.sub(" ", "".join(parts)).strip()
        rendered.append(f"{'> ' * level}{line}".rstrip() if line else "")
    return "\n".join(rendered)


def normalise_text(text: str) -> str:
    """Unix newlines, no trailing spaces, at most one blank line in a row, no NULs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.replace("\xa0", " ").replace("\u200b", "")
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip() and out and not out[-1].strip():
            continue
        out.append(line)
    return "\n".join(out).strip("\n").strip()


def clip(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:limit] if value else None


def stable_id(value: str | None) -> str | None:
    """Ids longer than the column are hashed, so dedup still works."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > ID_LIMIT:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return value


def digest_id(*parts: str | bytes) -> str:
    """A dedup key for payloads without an id of their own."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return "sha256:" + h.hexdigest()


def author(**claims: Any) -> AuthorIn:
    """An `AuthorIn` with over-long strings clipped and absurd counts dropped."""
    cleaned: dict[str, Any] = {}
    for key, value in claims.items():
        if value is None:
            continue
        if key in _AUTHOR_LIMITS:
            value = clip(str(value), _AUTHOR_LIMITS[key])
        elif key in ("followers", "following", "posts"):
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            if not 0 <= value <= _COUNT_LIMIT:
                continue
        if value is not None:
            cleaned[key] = value
    return AuthorIn(**cleaned)


def build(**fields: Any) -> InteractionCreate:
    """Build the interaction, clipping text to the schema's limits and marking truncation."""
    metadata: dict[str, Any] = fields.setdefault("metadata", {})
    text = fields.get("text") or ""
    if len(text) > TEXT_LIMIT:
        fields["text"] = text[:TEXT_LIMIT]
        metadata["text_truncated"] = True
    if fields.get("subject") is not None:
        fields["subject"] = clip(fields["subject"], SUBJECT_LIMIT)
    for key in ("external_id", "in_reply_to", "thread_key"):
        if key in fields:
            fields[key] = stable_id(fields[key])
    for key in ("quoted_text", "signature"):
        if fields.get(key) is not None:
            fields[key] = fields[key][:TEXT_LIMIT] or None
    engagement = fields.get("engagement")
    if engagement:
        fields["engagement"] = {
            k: v for k, v in engagement.items() if isinstance(v, int) and 0 <= v <= _COUNT_LIMIT
        }
    return InteractionCreate(**fields)
