"""A small document model that every Word/PDF export is built as, once.

Exports describe *what* a document says (headings, paragraphs, label/value fields,
tables, signature blocks) from service results; ``exports.pdf`` and ``exports.word``
render the same description. That is how "Word and PDF with the same content" holds
by construction instead of by two hand-kept copies. Cell and field values are text
already formatted in French (``formatting.fr_date``, ``fr_amount``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional, Union

from ..formatting import fr_amount, fr_number, fr_percent

Align = Literal["left", "center", "right", "justify"]


@dataclass(frozen=True)
class Run:
    """A piece of a paragraph with its own emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Heading:
    text: str
    level: int = 1  # 1 = article/section title, 2 = sub-section, 3 = minor


@dataclass
class Paragraph:
    content: Union[str, list[Run]]
    align: Align = "justify"
    bold: bool = False
    italic: bool = False
    small: bool = False

    @property
    def runs(self) -> list[Run]:
        if isinstance(self.content, str):
            return [Run(self.content, self.bold, self.italic)]
        return [Run(r.text, r.bold or self.bold, r.italic or self.italic) for r in self.content]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Fields:
    """Label : value lines, as a borderless two-column table.

    ``fill=True`` turns empty values into dotted lines to write on (an answer block
    the partner fills in by hand).
    """

    items: list[tuple[str, str]]
    fill: bool = False
    label_width: float = 0.38  # share of the text width


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: Optional[list[float]] = None  # relative widths; equal when None
    align: Optional[list[Align]] = None  # per column; left when None
    total_row: bool = False  # last row in bold (totals)
    small: bool = False  # smaller type for wide tables
    keep_together: bool = False  # a short table moves whole to the next page rather than leave its total alone

    def column_align(self, index: int) -> Align:
        return self.align[index] if self.align and index < len(self.align) else "left"


@dataclass
class SignatureBlock:
    heading: str  # "Pour la Caisse des écoles"
    name: str = ""
    title: str = ""


@dataclass
class Signatures:
    blocks: list[SignatureBlock]
    place_and_date: str = ""  # "Fait à Montreuil, le ……"


@dataclass
class Spacer:
    height_mm: float = 4


@dataclass
class PageBreak:
    pass


ChartKind = Literal["bar", "hbar", "pie"]
ValueKind = Literal["int", "number", "percent", "amount"]


@dataclass
class Chart:
    """Figures drawn as bars or pies, as plain data: the PDF draws them, Word and
    ``plain_text`` give the same figures as a table, so no format loses a number.

    ``series`` holds one ``(name, values)`` per year compared ("2025-2026", "2024-2025"),
    one value per label, drawn side by side. ``value_kind`` says how values read:
    counts, decimals, shares (0.45 → "45 %") or euros.
    """

    kind: ChartKind
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    value_kind: ValueKind = "int"
    label_header: str = ""  # first column of the data table ("Tranche d'âge")

    def format(self, value: Optional[float]) -> str:
        if value is None:
            return ""
        if self.value_kind == "percent":
            return fr_percent(value)
        if self.value_kind == "amount":
            return fr_amount(value)
        return fr_number(value, 1 if self.value_kind == "number" else 0)

    @property
    def empty(self) -> bool:
        """Nothing to draw: no label, or every value nil."""
        return not self.labels or not any(v for _, values in self.series for v in values)

    def as_table(self) -> Table:
        rows = [[label, *(self.format(values[i] if i < len(values) else None) for _, values in self.series)]
                for i, label in enumerate(self.labels)]
        return Table([self.label_header, *(name for name, _ in self.series)], rows,
                     widths=[2.0] + [1.0] * len(self.series), align=["left"] + ["right"] * len(self.series))


Block = Union[Heading, Paragraph, Bullets, Fields, Table, Chart, Signatures, Spacer, PageBreak]


@dataclass
class Letterhead:
    """The structure's identity at the top of the first page."""

    name: str
    lines: list[str] = field(default_factory=list)  # porteur, address, phone…
    logo_path: Optional[str] = None


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subtitle: Optional[str] = None
    letterhead: Optional[Letterhead] = None
    footer: str = ""  # left of the footer; "page X / Y" is on the right
    landscape: bool = False

    def add(self, *blocks: Block) -> "Document":
        self.blocks.extend(blocks)
        return self

    def plain_text(self) -> str:
        """Everything the document says, one line per piece (tests, previews, search)."""
        out: list[str] = []
        if self.letterhead:
            out += [self.letterhead.name, *self.letterhead.lines]
        out.append(self.title)
        if self.subtitle:
            out.append(self.subtitle)
        for block in self.blocks:
            if isinstance(block, Heading):
                out.append(block.text)
            elif isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, Bullets):
                out += block.items
            elif isinstance(block, Fields):
                out += [f"{label} : {value}" for label, value in block.items]
            elif isinstance(block, (Table, Chart)):
                table = block.as_table() if isinstance(block, Chart) else block
                if isinstance(block, Chart):
                    out.append(block.title)
                out.append(" | ".join(table.headers))
                out += [" | ".join(row) for row in table.rows]
            elif isinstance(block, Signatures):
                if block.place_and_date:
                    out.append(block.place_and_date)
                for sig in block.blocks:
                    out += [t for t in (sig.heading, sig.name, sig.title) if t]
        return "\n".join(out)


FILL_LINE = "." * 60
