"""Negation-aware polarity cues (German and English) used beside the embedding classifier.

A short hand-written list of stems, written for this project (no third-party lexicon).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt

_POSITIVE = (
    "danke dank bedank super toll klasse prima spitze top hervorragend ausgezeichnet perfekt"
    " zufrieden freundlich hilfsbereit kompetent geduldig lob begeistert reibungslos großartig"
    " wunderbar kulant gelöst behoben geklappt freue gefreut empfehle angenehm professionell"
    " schnell pünktlich unkompliziert vorbildlich fair gern"
    " thank thanks great excellent brilliant fantastic amazing awesome happy pleased satisfied"
    " friendly helpful polite patient quick smooth perfect appreciate appreciated impressed"
    " lovely wonderful love recommend resolved fixed sorted superb legend legends kind"
    " grateful glad well done enjoy"
).split()
_NEGATIVE = (
    "enttäusch ärger verärger wütend sauer stinksauer frechheit unverschämt katastroph zumutung"
    " inakzeptabel unakzeptabel schlecht schlimm miserabel mies abzocke betrug skandal peinlich"
    " beschäm ignorier vertröst abgewimmelt unfreundlich unhöflich patzig kaputt defekt ausfall"
    " störung gestört falsch fehler leider unmöglich unfassbar unglaublich witz lächerlich nerv"
    " genervt verzweifelt traurig beschwer reklamation mahnung unzumutbar chaos desaster"
    " saftladen armutszeugnis fassungslos sprachlos unzufrieden warte wartet warteschleife"
    " niemand nichts nie verspätung gestrichen annulliert verloren verschwunden überhöht"
    " disappoint angry furious annoy frustrat ridiculous unacceptable disgrace disgust terrible"
    " awful horrible worst useless incompeten rude scam rip-off fraud shambles nightmare joke"
    " broken fail failed outage fed nobody nothing never complain complaint wrong error"
    " overcharged charged unbelievable shameful laughable upset chaos cancelled delayed lost"
    " refund sick waiting"
).split()
_NEGATORS = frozenset(
    "nicht kein keine keinen keiner keinem nie niemals ohne not no never without dont don't"
    " doesnt doesn't didnt didn't isnt isn't wasnt wasn't cant can't cannot won't wont nor"
    " hardly".split()
)
_WORD = re.compile(r"[\w'’-]+")
FEATURES = 6


@lru_cache(maxsize=1)
def _stems() -> tuple[re.Pattern[str], re.Pattern[str]]:
    def build(words: list[str]) -> re.Pattern[str]:
        return re.compile("^(?:" + "|".join(sorted(map(re.escape, words), key=len)[::-1]) + ")")

    return build(_POSITIVE), build(_NEGATIVE)


def cues(text: str) -> npt.NDArray[np.float32]:
    """[positive, negative, negated positive, negated negative, '!' rate, '?' rate]."""
    positive, negative = _stems()
    words = [w.casefold() for w in _WORD.findall(text[:3000])]
    counts = np.zeros(FEATURES, dtype=np.float32)
    for k, word in enumerate(words):
        negated = any(w in _NEGATORS for w in words[max(0, k - 3) : k])
        if positive.match(word):
            counts[2 if negated else 0] += 1
        elif negative.match(word):
            counts[3 if negated else 1] += 1
    scale = 1.0 / np.sqrt(max(len(words), 1))
    counts[:4] *= scale
    counts[4] = min(text.count("!"), 6) / 6.0
    counts[5] = min(text.count("?"), 6) / 6.0
    return counts
