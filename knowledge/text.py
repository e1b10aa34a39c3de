"""Text normalisation shared by resolve, search and the tests."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _zhconv():
    import zhconv  # imported lazily: it builds its tables on first use

    return zhconv


def to_simplified(text: str) -> str:
    return _zhconv().convert(text, "zh-cn")


def normalize(text: str) -> str:
    """NFKC (full-width -> half-width), traditional -> simplified, lower case, strip.

    Internal whitespace is collapsed to one space. Chinese curly quotes are kept
    (NFKC leaves them alone), so normalised item names still match the guides.
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = to_simplified(s)
    s = _WS.sub(" ", s).strip().lower()
    return s


def squash_ws(text: str) -> str:
    """Remove all whitespace (how guide text is compared: the extractions put
    spaces and line breaks inside cells, e.g. '劳动保障监察 举报投诉登记')."""
    return _WS.sub("", text or "")


def compact(text: str) -> str:
    """normalize() and drop whitespace and most punctuation: used for matching names."""
    s = normalize(text)
    return _PUNCT.sub("", s)


_PUNCT = re.compile(r"[\s“”\"'‘’《》<>()（）\[\]【】,，。.、;；:：!！?？·\-—_~…/]+")
