"""Draw the application icon (PNG at every size Windows/macOS/Linux ask for, and .ico).

    python tools/make_icon.py

The icon is drawn with QPainter rather than kept as a hand-made binary, so it can be
changed here and regenerated; the PNG and ICO it writes are committed under
resources/icons/ (the build and the window read them from there, see paths.asset_path).
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPainterPath, QPen  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 256, size / 256)

    # Rounded square, deep blue to teal.
    gradient = QLinearGradient(0, 0, 0, 256)
    gradient.setColorAt(0, QColor("#1d4e89"))
    gradient.setColorAt(1, QColor("#1f8a87"))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(gradient))
    p.drawRoundedRect(QRectF(8, 8, 240, 240), 52, 52)

    # A child (head) reading an open book: the programme's subject in one shape.
    p.setBrush(QColor("#ffb547"))
    p.drawEllipse(QPointF(128, 80), 34, 34)

    book = QPainterPath()
    book.moveTo(128, 150)
    book.cubicTo(104, 130, 70, 128, 44, 136)
    book.lineTo(44, 206)
    book.cubicTo(70, 198, 104, 200, 128, 218)
    book.cubicTo(152, 200, 186, 198, 212, 206)
    book.lineTo(212, 136)
    book.cubicTo(186, 128, 152, 130, 128, 150)
    book.closeSubpath()
    p.setBrush(QColor("#ffffff"))
    p.drawPath(book)

    p.setPen(QPen(QColor("#1d4e89"), 6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(128, 152), QPointF(128, 214))
    if size >= 48:  # lines of text on the pages, lost at small sizes
        p.setPen(QPen(QColor("#9fb7d4"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for dy in (0, 18):
            p.drawLine(QPointF(62, 160 + dy), QPointF(108, 162 + dy))
            p.drawLine(QPointF(148, 162 + dy), QPointF(194, 160 + dy))
    p.end()
    return image


def write_ico(path: Path, pngs: dict[int, bytes]) -> None:
    """A multi-size .ico whose images are PNG (read by Windows since Vista): small, sharp at every size."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in sorted(pngs.items()):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset + len(blobs))
        blobs += data
    path.write_bytes(header + entries + blobs)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed for painting
    OUT.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(str(OUT / f"pre-desktop-{size}.png"))
    write_ico(OUT / "pre-desktop.ico", {size: (OUT / f"pre-desktop-{size}.png").read_bytes() for size in SIZES})
    print(f"Icônes écrites dans {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
