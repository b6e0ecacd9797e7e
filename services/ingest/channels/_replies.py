"""Split a message into the new text, the quoted history and the signature (German + English)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply import EmailReplyParser

# The library's header regexes backtrack on long lines; it only gets a second opinion on
# texts of ordinary size, and our own rules decide everything else.
_LIBRARY_LIMIT = 30_000

_GRUESSE = r"gr(?:ü|ue|u)(?:ß|ss)e"
_CLOSING_PHRASES = (
    rf"mit (?:den )?(?:freundlichen|besten|herzlichen|lieben) {_GRUESSE}n?",
    r"mit freundlichem gru(?:ß|ss)",
    rf"(?:freundliche|viele|liebe|beste|herzliche|sch(?:ö|oe)ne|sonnige|bes?ten) {_GRUESSE}n?",
    rf"{_GRUESSE}",
    r"gru(?:ß|ss)",
    r"mfg|vg|lg|bg",
    r"hochachtungsvoll",
    r"(?:best|kind|kindest|warm|warmest|many) regards",
    r"regards",
    r"best wishes",
    r"cheers",
    r"yours (?:sincerely|faithfully|truly)",
    r"sincerely(?: yours)?",
    r"thanks and regards|thanks & regards",
)
# A closing stands alone on its line, optionally followed by a short capitalised name.
CLOSING_RE = re.compile(
    r"^\s*(?i:" + "|".join(_CLOSING_PHRASES) + r")\s*[,.!]?"
    r"(?:\s+[A-ZÄÖÜ][\w.'-]*(?:\s+[A-ZÄÖÜ][\w.'-]*){0,2})?\s*[,.!]?\s*$"
)
MOBILE_RE = re.compile(
    r"^\s*(?i:sent from my \S.*|sent from (?:outlook|mail|yahoo|samsung|gmail)\b.*"
    r"|get outlook for \S.*|von meinem \S.{0,60} gesendet\.?"
    r"|gesendet (?:von|mit) (?:meinem|outlook|mail|yahoo|gmx|web\.de|der)\b.*)\s*$"
)
_SIG_SEPARATOR_RE = re.compile(r"^(?:-- ?|--|__)\s*$")
_FORWARD_RE = re.compile(
    r"^\s*-{2,}\s*(?i:urspr(?:ü|ue)ngliche nachricht|original message|weitergeleitete nachricht"
    r"|forwarded message|begin forwarded message)\s*-{2,}\s*$"
    r"|^\s*(?i:begin forwarded message|anfang der weitergeleiteten nachricht)\s*:\s*$"
)
# "Am Mo., 6. Okt. 2025 um 10:12 Uhr schrieb Anna <a@example.de>:" / "On … wrote:".
# A time or an address is required, so "Am Montag schrieb ich Ihnen:" in the body survives.
_ATTRIBUTION_RE = re.compile(
    r"^\s*(?:>\s*)*(?:(?i:am)\s.{1,250}\s(?i:schrieb)(?:\s.{0,250})?"
    r"|.{1,200}\s(?i:schrieb am)\s.{1,100}"
    r"|(?i:on)\s.{1,250}\s(?i:wrote)"
    r"|.{1,200}\s(?i:wrote on)\s.{1,100})\s*:\s*$"
)
_ATTRIBUTION_HINT_RE = re.compile(r"\d{1,2}:\d{2}|@|\d{4}")
_ATTRIBUTION_START_RE = re.compile(r"^\s*(?:>\s*)*(?i:am|on)\s")
_HEADER_FROM_RE = re.compile(r"^\s*\*?(?i:von|from)\s*:\*?\s*\S")
_HEADER_OTHER_RE = re.compile(
    r"^\s*\*?(?i:gesendet|sent|datum|date|an|to|betreff|subject|cc|kopie)\s*:\*?"
)
_RULE_RE = re.compile(r"^\s*_{10,}\s*$")
_QUOTE_LINE_RE = re.compile(r"^\s*>")


@dataclass(frozen=True, slots=True)
class ReplyParts:
    body: str
    quoted: str | None
    signature: str | None


def split_reply(text: str) -> ReplyParts:
    """Separate new text from quoted history and the signature; nothing is thrown away."""
    lines = text.split("\n")
    cut = _quote_start(lines)
    library_cut = _library_quote_start(text, lines)
    if library_cut is not None and (cut is None or library_cut < cut):
        cut = library_cut
    head = lines if cut is None else lines[:cut]
    quoted_lines = [] if cut is None else lines[cut:]

    # Interleaved "> " lines above the cut are quotes too; the answers between them stay.
    kept = [line for line in head if not _QUOTE_LINE_RE.match(line)]
    inline_quotes = [line for line in head if _QUOTE_LINE_RE.match(line)]
    if inline_quotes:
        quoted_lines = [*inline_quotes, *([""] if quoted_lines else []), *quoted_lines]

    body_lines, signature_lines = split_signature(kept)
    body = "\n".join(body_lines).strip()
    quoted = "\n".join(quoted_lines).strip() or None
    signature = "\n".join(signature_lines).strip() or None
    return ReplyParts(body=body, quoted=quoted, signature=signature)


def split_signature(lines: list[str], *, max_tail: int = 10) -> tuple[list[str], list[str]]:
    """Cut at "-- ", a closing ("Viele Grüße", "Best regards") or a mobile footer near the end."""
    non_empty_after = _non_empty_suffix_counts(lines)
    for index, line in enumerate(lines):
        if non_empty_after[index] > max_tail:
            continue
        if _SIG_SEPARATOR_RE.match(line) or CLOSING_RE.match(line) or MOBILE_RE.match(line):
            return lines[:index], lines[index:]
    return lines, []


def _non_empty_suffix_counts(lines: list[str]) -> list[int]:
    counts = [0] * len(lines)
    running = 0
    for index in range(len(lines) - 1, -1, -1):
        counts[index] = running
        if lines[index].strip():
            running += 1
    return counts


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _FORWARD_RE.match(line):
            return index
        if _is_attribution(lines, index):
            return index
        if _RULE_RE.match(line) and index + 1 < len(lines) and _is_header_block(lines, index + 1):
            return index
        if _is_header_block(lines, index):
            return index
    return None


def _is_attribution(lines: list[str], index: int) -> bool:
    line = lines[index]
    lowered = line.lower()
    if len(line) > 600 or not (
        _ATTRIBUTION_START_RE.match(line) or "schrieb" in lowered or "wrote" in lowered
    ):
        return False
    # Clients wrap long attribution lines; try the line joined with up to two following ones,
    # but never across a finished sentence.
    candidate = line
    for extra in range(3):
        if extra:
            if index + extra >= len(lines) or candidate.rstrip().endswith((".", "!", "?")):
                break
            candidate = f"{candidate} {lines[index + extra].strip()}"
        # The cheap end check first: the regex backtracks on long lines that never end in ":".
        if (
            len(candidate) <= 600
            and candidate.rstrip().endswith(":")
            and (_ATTRIBUTION_RE.match(candidate))
        ):
            return bool(_ATTRIBUTION_HINT_RE.search(candidate))
    return False


def _is_header_block(lines: list[str], index: int) -> bool:
    """Outlook's "Von:/Gesendet:/An:/Betreff:" block: a From line and two more within six."""
    if not _HEADER_FROM_RE.match(lines[index]):
        return False
    window = lines[index + 1 : index + 7]
    return sum(1 for line in window if _HEADER_OTHER_RE.match(line)) >= 2


def _library_quote_start(text: str, lines: list[str]) -> int | None:
    if len(text) > _LIBRARY_LIMIT:
        return None
    try:
        replies = EmailReplyParser(languages=["de", "en"]).read(text).replies
    except Exception:  # a second opinion must never break parsing
        return None
    if len(replies) < 2 or not replies[1].headers:
        return None
    first_header_line = replies[1].headers.strip().split("\n", 1)[0].strip()
    if not first_header_line:
        return None
    for index, line in enumerate(lines):
        if line.strip() == first_header_line:
            return index
    return None
