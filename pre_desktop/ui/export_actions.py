"""Save a generated document where the user chooses, then offer to open it.

Every "export" button of the app does the same: ask the path (a French default name,
in the folder used last time for documents), write and record the document (the
caller's ``write``, one transaction), offer to open the file. The caller emits
``ctx.data_changed`` once the document is recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from ..exports.render import FORMAT_LABELS
from ..services.errors import DomainError
from .context import AppContext

FOLDER_KEY = "documents/last_folder"


def _filter(file_format: str) -> str:
    return f"{FORMAT_LABELS.get(file_format, file_format.upper())} (*.{file_format})"


def save_document(parent: QWidget, ctx: AppContext, default_name: str, formats: Sequence[str],
                  write: Callable[[Path, str], Optional[Path]], *,
                  title: str = "Enregistrer le document") -> Optional[Path]:
    """Ask where to save, call ``write(path, format)``, offer to open the result.

    ``default_name`` is the file name without folder, with or without an extension
    (one of ``formats`` is replaced by the format chosen). Returns the written path, or
    None if cancelled or refused (the refusal is shown; nothing is recorded then).
    """
    folder = Path(str(ctx.settings.value(FOLDER_KEY, "") or Path.home()))
    stem = default_name
    for file_format in formats:
        stem = stem.removesuffix(f".{file_format}")
    filters = [_filter(f) for f in formats]
    chosen, chosen_filter = QFileDialog.getSaveFileName(
        parent, title, str(folder / f"{stem}.{formats[0]}"), ";;".join(filters))
    if not chosen:
        return None
    path = Path(chosen)
    file_format = path.suffix.lower().lstrip(".")
    if file_format not in formats:
        file_format = formats[filters.index(chosen_filter)] if chosen_filter in filters else formats[0]
        path = path.with_name(f"{path.name}.{file_format}")
    ctx.settings.setValue(FOLDER_KEY, str(path.parent))
    try:
        written = write(path, file_format) or path
    except DomainError as error:
        QMessageBox.warning(parent, "Document non produit", error.message)
        return None
    except OSError as error:
        QMessageBox.warning(parent, "Document non produit",
                            f"Le fichier n'a pas pu être écrit ({error.strerror or error}) :\n{path}\n\n"
                            "Choisissez un autre dossier ou fermez le fichier s'il est ouvert dans un autre logiciel.")
        return None
    answer = QMessageBox.question(parent, "Document enregistré",
                                  f"Le document a été enregistré :\n{written}\n\nL'ouvrir maintenant ?",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    if answer == QMessageBox.StandardButton.Yes:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))
    return written
