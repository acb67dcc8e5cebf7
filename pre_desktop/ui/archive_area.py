"""The Archivage area (coordinator): the GDPR life cycle of the files.

Three lists over ``services.retention``: the files to archive (last contact older than
the setting, nothing in progress), the archived files (read-only, opened with a
reason) and those at the end of their archive period, to anonymise. Archiving and
anonymising act on the rows selected, after a confirmation that lists them; the
anonymisation then rewrites the database file (off the window's thread) so the erased
text does not linger in it.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..formatting import fr_date
from ..models import Role
from ..services import retention
from ..services.errors import DomainError
from .background import run_with_progress
from .context import AppContext
from .forms import run_action
from .rows_model import ROW_ROLE, Column, RowsView
from .widgets import area_layout, ok_cancel, push_button

CANDIDATE_COLUMNS = [
    Column("Enfant", lambda r: r.name),
    Column("Né(e) le", lambda r: fr_date(r.birth_date), sort=lambda r: r.birth_date),
    Column("Dernier contact", lambda r: fr_date(r.last_contact), sort=lambda r: r.last_contact),
    Column("Statut", lambda r: r.status_label),
    Column("Référent(e)", lambda r: r.referent_name),
]
ARCHIVED_COLUMNS = [
    Column("Enfant", lambda r: r.name),
    Column("Archivé le", lambda r: fr_date(r.archived_on), sort=lambda r: r.archived_on),
    Column("Par", lambda r: r.archived_by),
    Column("Anonymisation le", lambda r: fr_date(r.anonymise_on), sort=lambda r: r.anonymise_on,
           tone=lambda r: "warning" if r.due else None),
]

NOT_ALLOWED = ("L'archivage des dossiers est réservé au coordinateur : il décide de ce qui quitte la base "
               "active, ouvre les dossiers archivés en indiquant un motif et procède à l'anonymisation.")


def selected_rows(view: RowsView) -> list[Any]:
    """The rows selected in a list that allows several (in the order shown)."""
    indexes = sorted(view.table.selectionModel().selectedRows(), key=lambda i: i.row())
    return [index.data(ROW_ROLE) for index in indexes]


def multi_select(view: RowsView) -> RowsView:
    view.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    return view


class ConfirmList(QDialog):
    """"Archive / anonymise these files?": the files listed, what will happen, OK or cancel."""

    def __init__(self, parent: QWidget, title: str, intro: str, columns: Sequence[Column], rows: Sequence[Any],
                 ok_text: str, warning: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        text = QLabel(intro, self)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.list = RowsView(columns, "", self, name="confirm_list", max_rows=12)
        self.list.set_rows(list(rows))
        layout.addWidget(self.list, 1)
        if warning:
            note = QLabel(warning, self)
            note.setObjectName("warning")
            note.setWordWrap(True)
            note.setStyleSheet("background: #f9d6d2; border: 1px solid #d9827a; padding: 6px;")
            layout.addWidget(note)
        layout.addWidget(ok_cancel(self, ok_text, self.accept))
        self.setMinimumWidth(620)


class ArchiveArea(QWidget):
    def __init__(self, ctx: AppContext, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._build()
        self.refresh()

    # --- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        layout, _top = area_layout(self, "Archivage des dossiers (RGPD)")
        self.rule = QLabel(self)
        self.rule.setObjectName("rule")
        self.rule.setWordWrap(True)
        layout.addWidget(self.rule)
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.body, 1)

        self.candidates_box = QGroupBox("Dossiers à archiver", self.body)
        box = QVBoxLayout(self.candidates_box)
        buttons = QHBoxLayout()
        self.select_all_button = push_button(self.candidates_box, "Tout sélectionner", "select_all",
                                             lambda: self.candidates.table.selectAll())
        self.archive_button = push_button(self.candidates_box, "&Archiver…", "archive", self.archive_selected)
        buttons.addWidget(self.select_all_button)
        buttons.addWidget(self.archive_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.candidates = multi_select(RowsView(CANDIDATE_COLUMNS, "Aucun dossier à archiver : chaque dossier a eu un "
                                                "contact récent ou est encore en cours.", self.candidates_box,
                                                name="candidates"))
        self.candidates.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        box.addWidget(self.candidates, 1)
        body.addWidget(self.candidates_box, 3)

        self.due_box = QGroupBox("Fin de la durée d'archivage : dossiers à anonymiser", self.body)
        box = QVBoxLayout(self.due_box)
        buttons = QHBoxLayout()
        self.anonymise_button = push_button(self.due_box, "A&nonymiser…", "anonymise", self.anonymise_selected)
        buttons.addWidget(self.anonymise_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.due = multi_select(RowsView(ARCHIVED_COLUMNS, "Aucun dossier n'est arrivé à la fin de sa durée "
                                         "d'archivage.", self.due_box, name="due", max_rows=6))
        self.due.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        box.addWidget(self.due)
        body.addWidget(self.due_box, 1)

        self.archived_box = QGroupBox("Dossiers archivés (lecture seule)", self.body)
        box = QVBoxLayout(self.archived_box)
        buttons = QHBoxLayout()
        self.open_button = push_button(self.archived_box, "&Consulter…", "open_archived", self.open_selected)
        self.open_button.setToolTip("Ouvrir le dossier en lecture seule ; le motif de la consultation est enregistré.")
        self.reactivate_button = push_button(self.archived_box, "&Réactiver…", "reactivate", self.reactivate_selected)
        self.reactivate_button.setToolTip("L'enfant ou la famille revient : le dossier retourne dans la base active.")
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.reactivate_button)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.archived = RowsView(ARCHIVED_COLUMNS, "Aucun dossier archivé.", self.archived_box, name="archived")
        self.archived.activated.connect(lambda row: self.open_selected())
        self.archived.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        box.addWidget(self.archived, 1)
        self.anonymised = QLabel(self.archived_box)
        self.anonymised.setObjectName("anonymised")
        box.addWidget(self.anonymised)
        body.addWidget(self.archived_box, 2)

    @property
    def allowed(self) -> bool:
        return self.ctx.user is not None and self.ctx.user.role is Role.COORDINATOR

    # --- data ------------------------------------------------------------------------

    def refresh(self) -> None:
        self.body.setVisible(self.allowed)
        if not self.allowed:
            self.rule.setText(NOT_ALLOWED)
            return
        with self.ctx.read() as session:
            years, archive = retention.retention_years(session), retention.archive_years(session)
            candidates = retention.archive_candidates(session)
            archived = retention.archived_files(session)
            anonymised = len(retention.archived_files(session, anonymised=True))
        due = [f for f in archived if f.due]
        self.rule.setText(
            retention.CANDIDATE_RULE.format(years=years, s="s" if years > 1 else "") + "\n"
            + retention.LAST_CONTACT_DEFINITION + f"\nUn dossier archivé reste en lecture seule pendant {archive} "
            f"an{'s' if archive > 1 else ''}, puis il est anonymisé : l'identité, les coordonnées et les textes libres "
            "sont effacés ; le sexe, le mois et l'année de naissance, le quartier, le niveau scolaire, les dates et "
            "les nombres (séances, décisions) restent pour les statistiques.")
        self.candidates_box.setTitle(f"Dossiers à archiver ({len(candidates)})")
        self.candidates.set_rows(candidates)
        self.due_box.setTitle(f"Fin de la durée d'archivage : dossiers à anonymiser ({len(due)})")
        self.due.set_rows(due)
        self.archived_box.setTitle(f"Dossiers archivés, lecture seule ({len(archived)})")
        self.archived.set_rows(archived)
        self.anonymised.setText(f"{anonymised} dossier{'s' if anonymised > 1 else ''} anonymisé"
                                f"{'s' if anonymised > 1 else ''}, conservé{'s' if anonymised > 1 else ''} "
                                "pour les statistiques." if anonymised else "")
        self._enable()

    def _enable(self) -> None:
        self.archive_button.setEnabled(bool(selected_rows(self.candidates)))
        self.anonymise_button.setEnabled(bool(selected_rows(self.due)))
        self.open_button.setEnabled(self.archived.selected() is not None)
        self.reactivate_button.setEnabled(self.archived.selected() is not None)

    # --- actions ---------------------------------------------------------------------

    def confirm_archive(self, rows: Sequence[retention.ArchiveCandidate]) -> ConfirmList:
        count = len(rows)
        return ConfirmList(
            self, "Archiver des dossiers",
            f"Archiver {count} dossier{'s' if count > 1 else ''} ? Ils quittent les listes de travail et deviennent "
            "non modifiables ; seul un coordinateur pourra les ouvrir, en lecture seule et en indiquant un motif.",
            CANDIDATE_COLUMNS[:1] + CANDIDATE_COLUMNS[2:], rows, f"Archiver {count} dossier{'s' if count > 1 else ''}")

    def archive_selected(self) -> bool:
        rows = selected_rows(self.candidates)
        if not rows or not self.confirm_archive(rows).exec():
            return False
        ids = [r.child_id for r in rows]

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return len(retention.archive_children(session, ids))

        if run_action(self, action, title="Archivage refusé") is None:
            return False
        self.ctx.data_changed.emit()
        return True

    def confirm_anonymise(self, rows: Sequence[retention.ArchivedFile]) -> ConfirmList:
        count = len(rows)
        return ConfirmList(
            self, "Anonymiser des dossiers",
            f"Anonymiser {count} dossier{'s' if count > 1 else ''} arrivé{'s' if count > 1 else ''} à la fin de la "
            "durée d'archivage ?", ARCHIVED_COLUMNS, rows, f"Anonymiser {count} dossier{'s' if count > 1 else ''}",
            "Cette opération est définitive. Sont effacés : noms et prénoms, jour de naissance, école, coordonnées "
            "et notes de la famille, adultes du foyer, motifs, objectifs et notes, notes privées, titres des documents "
            "et le contenu de l'historique. Les fichiers des documents produits pour ces enfants et les copies "
            "numérisées des accords sont supprimés du disque. Les documents regroupant plusieurs enfants (tableaux "
            "mensuels, documents d'EPS) et les sauvegardes déjà faites ne sont pas modifiés.")

    def anonymise_selected(self) -> bool:
        rows = selected_rows(self.due)
        if not rows or not self.confirm_anonymise(rows).exec():
            return False
        ids = [r.child_id for r in rows]

        def work() -> tuple[retention.AnonymisationResult, list[str], str]:
            """In a worker: the write, then the files and the rewrite of the base (500 files: ~2 s)."""
            with self.ctx.write() as session:
                result = retention.anonymise(session, ids)
            _deleted, left = retention.delete_files(result.files)
            try:
                retention.purge_free_pages(self.ctx.engine)
            except DomainError as error:  # the anonymisation itself is done and committed
                return result, left, error.message
            return result, left, ""

        outcome = run_action(self, lambda _confirm: run_with_progress(self, "Anonymisation des dossiers…", work),
                             title="Anonymisation refusée")
        if outcome is None:
            return False
        result, left, purge_problem = outcome
        self.ctx.data_changed.emit()
        if purge_problem:
            QMessageBox.warning(self, "Nettoyage incomplet", purge_problem)
        text = (f"{result.children} dossier{'s' if result.children > 1 else ''} anonymisé"
                f"{'s' if result.children > 1 else ''}.")
        if left:
            text += ("\n\nCes fichiers n'ont pas pu être supprimés (ouverts ailleurs ?) ; supprimez-les vous-même :\n"
                     + "\n".join(left))
        QMessageBox.information(self, "Anonymisation faite", text)
        return True

    def reactivate_selected(self) -> bool:
        row = self.archived.selected()
        if row is None or not ConfirmList(
                self, "Réactiver un dossier", f"Remettre le dossier de {row.name} dans la base active ? Il reprend "
                "sa place dans les listes et redevient modifiable ; la date du jour devient son dernier contact.",
                ARCHIVED_COLUMNS[:3], [row], "Réactiver le dossier").exec():
            return False

        def action(_confirm: bool) -> int:
            with self.ctx.write() as session:
                return len(retention.reactivate_children(session, [row.child_id]))

        if run_action(self, action, title="Réactivation refusée") is None:
            return False
        self.ctx.data_changed.emit()
        return True

    def open_selected(self) -> None:
        row = self.archived.selected()
        if row is not None:
            self.ctx.open_child.emit(row.child_id)
