"""« Droit d'accès de la famille (PDF)… » in the child's file (coordinator only): the
family's right-of-access document, saved where the coordinator chooses, traced in each
child's file. The service refuses the other roles too; the button is not even shown to them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from ..models import Family, Role
from ..services.clock import today
from ..services.subject_access import family_of_child
from .background import run_with_progress
from .context import AppContext
from .export_actions import save_document

READ_BEFORE = ("Le document rassemble tout ce que la base contient sur la famille et ses enfants, y compris les "
               "notes privées des référents et la liste des consultations de leurs dossiers.\n\n"
               "Relisez-le avant de le remettre : occultez ce qui concerne d'autres personnes (RGPD, art. 15-4). "
               "La production du document est tracée dans le dossier de chaque enfant.\n\nContinuer ?")


def subject_access_button(ctx: AppContext, child_id: int, parent: QWidget) -> Optional[QPushButton]:
    """The button for a coordinator; None for the other roles."""
    if ctx.user is None or ctx.user.role is not Role.COORDINATOR:
        return None
    button = QPushButton("Droit d'accès de la famille (PDF)…", parent)
    button.setObjectName("subject_access")
    button.setToolTip("Toutes les données détenues sur la famille et ses enfants, en un PDF, "
                      "pour une demande de droit d'accès (RGPD, article 15)")
    button.clicked.connect(lambda _checked=False: export_family_pdf(parent, ctx, child_id))
    return button


def export_family_pdf(parent: QWidget, ctx: AppContext, child_id: int) -> Optional[Path]:
    from ..exports.subject_access_document import export_subject_access

    answer = QMessageBox.question(parent, "Droit d'accès de la famille", READ_BEFORE,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.Yes)
    if answer != QMessageBox.StandardButton.Yes:
        return None
    with ctx.read() as session:
        family_id = family_of_child(session, child_id)
        name = session.get(Family, family_id).name  # type: ignore[union-attr]

    def work(path: Path) -> Path:
        with ctx.write() as session:
            return export_subject_access(session, family_id, path)

    def write(path: Path, _format: str) -> Path:
        return run_with_progress(parent, "Préparation du document de droit d'accès…", lambda: work(path))

    written = save_document(parent, ctx, f"Droit d'accès - famille {name} - {today():%Y-%m-%d}.pdf", ["pdf"], write,
                            title="Enregistrer le document de droit d'accès")
    if written is not None:
        ctx.data_changed.emit()
    return written
