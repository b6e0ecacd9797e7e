"""Escalation signals and urgency from lexical cues (German and English)."""

from __future__ import annotations

import re

_I = re.IGNORECASE
ESCALATION_PATTERNS: dict[str, re.Pattern[str]] = {
    "cancellation_threat": re.compile(
        r"\bkündig|\bkündige\b|\bkündigung|sonderkündigung|\bwechsle\b|\bwechseln?\s+(?:zu|den)"
        r"|anbieter\s*wechsel|\bbin\s+(?:ich\s+)?weg\b|ich\s+bin\s+weg|\bcancel(?:l?ing|l?ed)?\b"
        r"|\bcancel\s+my|terminate\s+my|switch(?:ing)?\s+(?:to\s+(?:another|a\s+different)"
        r"|providers?)|leave\s+you|never\s+(?:flying|buying|ordering)\s+with\s+you",
        _I,
    ),
    "lawyer": re.compile(
        r"\b(?:rechts)?anwalt|\banwältin|rechtliche\s+schritte|gericht|\bklage\b|\bverklag"
        r"|lawyer|attorney|solicitor|legal\s+action|\bsue\b|\bcourt\b|lawyer's\s+letter",
        _I,
    ),
    "press": re.compile(
        r"\bpresse\b|zeitung|journalist|\bmedien\b|\bbild\b|öffentlich\s+machen|\bpress\b"
        r"|\bmedia\b|newspaper|go\s+public|reporter",
        _I,
    ),
    "consumer_protection": re.compile(
        r"verbraucherzentrale|verbraucherschutz|consumer\s+protection|consumer\s+rights"
        r"|trading\s+standards|citizens\s+advice",
        _I,
    ),
    "regulator": re.compile(
        r"bundesnetzagentur|\bbnetza\b|\bbafin\b|schlichtungsstelle|ombuds|regulator|\bofcom\b"
        r"|\bfcc\b|data\s+protection\s+authority|datenschutzbehörde|aufsichtsbehörde"
        r"|datenschutzbeauftragte",
        _I,
    ),
    "repeat_contact": re.compile(
        r"zum\s+(?:\w+ten|\d+\.)\s+mal|(?:zwei|drei|vier|fünf|\d+)\s*(?:mal|x)\b"
        r"|\b(?:dritte|vierte|fünfte)[nrs]?\s+(?:mal|anruf|mail|e-mail|tweet|techniker)"
        r"|schon\s+wieder|erneut|wiederholt|mehrfach|mehrmals|immer\s+noch|\bnoch\s+immer"
        r"|\bagain\b|(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+(?:time|email|call|tweet)"
        r"|(?:two|three|four|five|six|several|\d+)\s+times|already\s+(?:called|written|asked)"
        r"|\bstill\s+(?:no|not|nothing|waiting|haven't|hasn't)|keep\s+getting|reopened",
        _I,
    ),
}
_EXCLAMATIONS = re.compile(r"[!?]*![!?]*!+[!?]*|!{3,}")
# Single code points, so a set lookup per character is enough (no emoji tokenizer needed).
_ANGRY_EMOJI = frozenset("😡🤬😠😤💩👎🙄🤡😒😾🖕")
_URGENT = re.compile(
    r"\bsofort|\bdringend|umgehend|unverzüglich|schnellstmöglich|\bnotfall|lebensgefährlich"
    r"|heute\s+noch|\basap\b|\burgent|immediately|emergency|right\s+now|as\s+soon\s+as\s+possible"
    r"|life[-\s]threatening|straight\s+away",
    _I,
)
_OUTAGE = re.compile(
    r"kein(?:en|e)?\s+(?:internet|netz|empfang|strom|telefon|festnetz|warmwasser|gas|heizung"
    r"|verbindung|dienst|fernseh)|ausfall|störung|gestört|\boffline\b|\btot\b|funktioniert\s+nicht"
    r"|geht\s+nicht|abbrüche|\bno\s+(?:internet|signal|service|power|phone|connection|data"
    r"|hot\s+water|heating)|outage|\bdown\b|power\s+cut|not\s+working|doesn't\s+work|dead\b"
    r"|cutting\s+out|dropping",
    _I,
)
_DURATION = re.compile(
    r"seit\s+(?:\d+|einer?|zwei|drei|vier|fünf|sechs|zehn|mehreren|vielen)?\s*"
    r"(?:tagen?|wochen?|monaten?|stunden|jahren?)|seit\s+(?:montag|dienstag|mittwoch|donnerstag"
    r"|freitag|samstag|sonntag|gestern|dem\s+\d)|(?:for|since)\s+(?:\d+|two|three|four|five|six"
    r"|several|many)?\s*(?:days?|weeks?|months?|hours)|since\s+(?:monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|yesterday|last)|\bday\s+\d+\b|\btag\s+\d+\b",
    _I,
)
_DEADLINE = re.compile(
    r"\bbis\s+(?:zum\s+)?(?:\d|morgen|heute|montag|dienstag|mittwoch|donnerstag|freitag|ende)"
    r"|\bfrist|innerhalb\s+von|\bby\s+(?:tomorrow|tonight|monday|tuesday|wednesday|thursday"
    r"|friday|the\s+end|\d)|within\s+\d+\s+days|deadline|abgabefrist",
    _I,
)
_VULNERABLE = re.compile(
    r"\bbaby|\bkrank|pflege|hausnotruf|rentner|\b[6-9]\d\s+jahre|senior|\bärzt|praxis|patient"
    r"|medic|elderly|\bill\b|disabled|hospital|newborn|\b[6-9]\d\s+years|care\s+home|doctor",
    _I,
)
_BUSINESS = re.compile(
    r"homeoffice|home\s*office|work\s+from\s+home|beruflich|umsatz|geschäft|kunden\s+beschweren"
    r"|freelancer|clients|business|büro|office",
    _I,
)


def escalation_signals(text: str) -> list[str]:
    """Stable codes for escalation cues found in the text."""
    signals = [code for code, pattern in ESCALATION_PATTERNS.items() if pattern.search(text)]
    if _EXCLAMATIONS.search(text):
        signals.append("exclamations")
    words = re.findall(r"[^\W\d_]{3,}", text)
    shouted = [w.isupper() for w in words]
    run = longest = 0
    for upper in shouted:
        run = run + 1 if upper else 0
        longest = max(longest, run)
    if longest >= 4 or (sum(shouted) >= 3 and sum(shouted) >= 0.3 * len(words)):
        signals.append("shouting")
    if not _ANGRY_EMOJI.isdisjoint(text):
        signals.append("angry_emoji")
    return signals


def urgency(text: str, signals: list[str], sentiment: float) -> float:
    """0..1 from outage, urgency, duration, deadline and vulnerability cues plus escalation."""
    score = 0.0
    score += 0.35 if _URGENT.search(text) else 0.0
    score += 0.25 if _OUTAGE.search(text) else 0.0
    score += 0.15 if _DURATION.search(text) else 0.0
    score += 0.15 if _DEADLINE.search(text) else 0.0
    score += 0.15 if _VULNERABLE.search(text) else 0.0
    score += 0.1 if _BUSINESS.search(text) else 0.0
    weights = {
        "lawyer": 0.15, "regulator": 0.15, "press": 0.15, "consumer_protection": 0.1,
        "cancellation_threat": 0.1, "repeat_contact": 0.1, "exclamations": 0.05,
        "shouting": 0.1, "angry_emoji": 0.05,
    }  # fmt: skip
    score += sum(weights.get(s, 0.0) for s in signals)
    score += 0.1 * max(0.0, -sentiment)
    return round(min(1.0, score), 3)
