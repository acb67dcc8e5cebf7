"""The structure's letterhead, from its settings, for every document."""

from __future__ import annotations

from typing import Optional

from ..models import StructureSettings
from ..textnorm import fold
from .document import Letterhead


def carrier_line(kind: Optional[str], name: Optional[str]) -> str:
    """"Caisse des écoles de Montreuil", not "Caisse des écoles — Caisse des écoles de Montreuil"."""
    if kind and name and fold(name).startswith(fold(kind)):
        return name
    return " — ".join(p for p in (kind, name) if p)


def letterhead(settings: Optional[StructureSettings]) -> Letterhead:
    if settings is None:
        return Letterhead(name="Programme de réussite éducative")
    carrier = carrier_line(settings.legal_carrier_kind, settings.legal_carrier_name)
    town = " ".join(p for p in (settings.postal_code, settings.town) if p)
    contact = " — ".join(p for p in (settings.phone, settings.email) if p)
    lines = [carrier, settings.address or "", town, contact]
    return Letterhead(name=settings.pre_name or "Programme de réussite éducative",
                      lines=[line for line in lines if line], logo_path=settings.logo_path or None)
