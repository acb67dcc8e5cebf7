"""Text helpers shared by models, services and exports (no Qt)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced form used for search and duplicates.

    "Éloïse  N'Diaye" → "eloise n'diaye": users type without accents, the
    database must still find them, and the same fold must be applied on both sides.
    """
    if not text:
        return ""
    if text.isascii():  # nothing to decompose (the lists fold thousands of names and schools)
        return _SPACES.sub(" ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return _SPACES.sub(" ", stripped.casefold()).strip()
