"""The school level (maternelle, élémentaire, collège, lycée) read from a class as typed.

The class is free text ("CM1", "cm 1", "6ème", "Petite section", "2nde pro"): the level
is what statistics group on, and what an anonymised file keeps of its schooling (the
school's name, with the town, would point at the child).
"""

from __future__ import annotations

import re
from typing import Optional

from ..textnorm import fold

MATERNELLE = "maternelle"
ELEMENTAIRE = "élémentaire"
COLLEGE = "collège"
LYCEE = "lycée"
LEVELS = (MATERNELLE, ELEMENTAIRE, COLLEGE, LYCEE)

# Canonical class -> its level, in school order.
CLASSES: dict[str, str] = {
    "TPS": MATERNELLE, "PS": MATERNELLE, "MS": MATERNELLE, "GS": MATERNELLE,
    "CP": ELEMENTAIRE, "CE1": ELEMENTAIRE, "CE2": ELEMENTAIRE, "CM1": ELEMENTAIRE, "CM2": ELEMENTAIRE,
    "6e": COLLEGE, "5e": COLLEGE, "4e": COLLEGE, "3e": COLLEGE,
    "2de": LYCEE, "1re": LYCEE, "Tle": LYCEE,
}

# Folded, space-free spellings seen in files -> canonical class.
_SPELLINGS: dict[str, str] = {
    "tps": "TPS", "toutepetitesection": "TPS", "ps": "PS", "petitesection": "PS", "ms": "MS",
    "moyennesection": "MS", "gs": "GS", "grandesection": "GS",
    "cp": "CP", "ce1": "CE1", "ce2": "CE2", "cm1": "CM1", "cm2": "CM2",
    "6e": "6e", "6eme": "6e", "sixieme": "6e", "5e": "5e", "5eme": "5e", "cinquieme": "5e",
    "4e": "4e", "4eme": "4e", "quatrieme": "4e", "3e": "3e", "3eme": "3e", "troisieme": "3e",
    "2de": "2de", "2nde": "2de", "seconde": "2de", "2e": "2de", "2eme": "2de",
    "1re": "1re", "1ere": "1re", "premiere": "1re", "tle": "Tle", "terminale": "Tle", "term": "Tle",
}

# Words that give the level when the class itself is not recognised ("ULIS école", "SEGPA").
_LEVEL_WORDS: tuple[tuple[str, str], ...] = (
    ("maternelle", MATERNELLE), ("elementaire", ELEMENTAIRE), ("primaire", ELEMENTAIRE), ("ecole", ELEMENTAIRE),
    ("college", COLLEGE), ("segpa", COLLEGE), ("lycee", LYCEE), ("cap", LYCEE), ("bac", LYCEE),
)


def canonical_class(text: Optional[str]) -> Optional[str]:
    """"CM1" for "cm 1", "6e" for "6ème"…; None when the text is not a known class."""
    if not text:
        return None
    folded = fold(text)
    key = re.sub(r"[\s.\-_]", "", folded)
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    first = folded.split()[0] if folded.split() else ""  # "CM1 b", "6e pro"
    return _SPELLINGS.get(re.sub(r"[.\-_]", "", first))


def school_level(text: Optional[str]) -> Optional[str]:
    """maternelle / élémentaire / collège / lycée, or None when the class says nothing of it."""
    known = canonical_class(text)
    if known is not None:
        return CLASSES[known]
    folded = fold(text or "")
    for word, level in _LEVEL_WORDS:
        if re.search(rf"\b{word}\b", folded):
            return level
    return None


def anonymous_class(text: Optional[str]) -> Optional[str]:
    """What an anonymised file keeps of its class: the canonical class, else the level alone."""
    return canonical_class(text) or school_level(text)
