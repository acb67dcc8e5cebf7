"""Choose a backup to restore: the list with dates and sizes, the chosen file checked.

The dialog only chooses and checks; restoring is done by the caller (it must close
the open base first). A file that fails the check (damaged, newer schema, not a PRE
Desktop base) cannot be chosen: the button stays disabled and the reason is shown.
The retention of automatic backups is set here too, next to the backups it governs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..backups import (
    BackupInfo,
    CheckReport,
    RetentionPolicy,
    backup_dir,
    check_database_file,
    describe_size,
    list_backups,
    parse_backup_name,
)
from ..encryption import Passphrase
from ..formatting import fr_date
from .forms import confirm

DB_FILTER = "Bases PRE Desktop (*.sqlite *.db);;Tous les fichiers (*)"
DAILY_KEY, MONTHLY_KEY = "backups/daily", "backups/monthly"
OK_STYLE, BAD_STYLE = "color: #1e6b34;", "color: #a93226;"


def local_time(moment: dt.datetime) -> str:
    """Backups are named in local time: shown as they are, JJ/MM/AAAA HH:MM."""
    return f"{fr_date(moment)} {moment:%H:%M}"


def retention_policy(settings: QSettings) -> RetentionPolicy:
    """The retention set on this computer (QSettings: it is about this machine's files)."""
    defaults = RetentionPolicy()
    try:
        daily = int(settings.value(DAILY_KEY, defaults.daily))
        monthly = int(settings.value(MONTHLY_KEY, defaults.monthly))
        return RetentionPolicy(max(1, min(daily, 365)), max(0, min(monthly, 120)))
    except (TypeError, ValueError):
        return defaults


class BackupsModel(QAbstractTableModel):
    HEADERS = ("Date", "Type", "Taille", "Fichier")

    def __init__(self, backups: list[BackupInfo], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.backups = backups

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.backups)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        backup = self.backups[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (local_time(backup.taken_at), backup.kind_label, describe_size(backup.size), backup.path.name)[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(backup.path)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def add(self, backup: BackupInfo) -> int:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.backups.insert(0, backup)
        self.endInsertRows()
        return 0


class RestoreDialog(QDialog):
    """``chosen`` is the checked backup once the dialog is accepted."""

    def __init__(self, db_path: Path, settings: QSettings, parent: Optional[QWidget] = None,
                 *, reason: str = "", key: Optional[Passphrase] = None) -> None:
        super().__init__(parent)
        self.key = key  # an encrypted base's passphrase: its backups are checked with it
        self.setWindowTitle("Restaurer une sauvegarde")
        self.setObjectName("restore_dialog")
        self.db_path = Path(db_path)
        self.settings = settings
        self.chosen: Optional[Path] = None
        self.report: Optional[CheckReport] = None

        intro = QLabel(
            (f"<b>{reason}</b><br><br>" if reason else "")
            + f"Base actuelle : <code>{self.db_path}</code><br>"
            "Choisissez la sauvegarde à remettre en place. Elle est vérifiée avant d'être proposée ; "
            "une copie de la base actuelle est conservée avant la restauration.", self)
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.model = BackupsModel(list_backups(self.db_path), self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._check(current.row()))
        self.table.doubleClicked.connect(lambda _index: self._accept_if_ok())

        self.empty_label = QLabel(f"Aucune sauvegarde trouvée dans « {backup_dir(self.db_path)} ».", self)
        self.empty_label.setWordWrap(True)
        self.empty_label.setVisible(not self.model.backups)

        self.status = QLabel(self)
        self.status.setObjectName("check_status")
        self.status.setWordWrap(True)

        self.other_button = QPushButton("Autre fichier…", self)
        self.other_button.setToolTip("Choisir une sauvegarde rangée ailleurs (clé USB, autre dossier)")
        self.other_button.clicked.connect(self.choose_other_file)

        policy = retention_policy(settings)
        self.daily = QSpinBox(self)
        self.daily.setRange(1, 365)
        self.daily.setValue(policy.daily)
        self.monthly = QSpinBox(self)
        self.monthly.setRange(0, 120)
        self.monthly.setValue(policy.monthly)
        self.daily.valueChanged.connect(lambda value: self.settings.setValue(DAILY_KEY, value))
        self.monthly.valueChanged.connect(lambda value: self.settings.setValue(MONTHLY_KEY, value))
        keep = QHBoxLayout()
        keep.addWidget(QLabel("Sauvegardes automatiques (une par jour, au démarrage) : conserver les", self))
        keep.addWidget(self.daily)
        keep.addWidget(QLabel("dernières quotidiennes et", self))
        keep.addWidget(self.monthly)
        keep.addWidget(QLabel("mensuelles.", self))
        keep.addStretch(1)

        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("Restaurer…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setEnabled(False)
        self.buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._accept_if_ok)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.other_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        layout.addLayout(keep)
        layout.addWidget(self.buttons)
        self.resize(760, 460)
        if self.model.backups:
            self.table.selectRow(0)

    def selected(self) -> Optional[BackupInfo]:
        row = self.table.currentIndex().row()
        return self.model.backups[row] if 0 <= row < len(self.model.backups) else None

    def _check(self, row: int) -> None:
        self.report = None
        self.restore_button.setEnabled(False)
        if not 0 <= row < len(self.model.backups):
            self.status.clear()
            return
        report = check_database_file(self.model.backups[row].path, self.key)
        self.report = report
        if report.ok:
            version = ("d'une version antérieure, elle sera mise à jour à l'ouverture" if report.needs_upgrade
                       else "de la version actuelle")
            self.status.setStyleSheet(OK_STYLE)
            self.status.setText(f"Sauvegarde vérifiée : fichier intact{', chiffré' if report.encrypted else ''}, "
                                f"{version} (schéma {report.revision}).")
        else:
            self.status.setStyleSheet(BAD_STYLE)
            self.status.setText("Cette sauvegarde ne peut pas être restaurée. " + " ".join(report.problems))
        self.restore_button.setEnabled(report.ok)

    def choose_other_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choisir une sauvegarde", str(backup_dir(self.db_path)), DB_FILTER)
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        parsed = parse_backup_name(path)
        taken = parsed[2] if parsed else dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
        row = self.model.add(BackupInfo(path, taken, path.stat().st_size, "fichier choisi"))
        self.empty_label.hide()
        self.table.selectRow(row)
        self._check(row)

    def _accept_if_ok(self) -> None:
        backup = self.selected()
        if backup is None or self.report is None or not self.report.ok:
            return
        if confirm(self, "Restaurer la sauvegarde",
                   f"La base actuelle va être remplacée par la sauvegarde du {local_time(backup.taken_at)}.\n\n"
                   "Les modifications faites depuis cette sauvegarde ne seront plus dans la base ; une copie de la "
                   f"base actuelle sera d'abord rangée dans « {backup_dir(self.db_path)} ».\n\nContinuer ?",
                   yes="Restaurer"):
            self.chosen = backup.path
            self.accept()
