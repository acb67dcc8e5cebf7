"""The small record dialog shows a refusal under its field, whole, and stays open."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QLabel

from pre_desktop.services.errors import DomainError
from pre_desktop.ui.fields import DateField, MultilineField, TextField
from pre_desktop.ui.form_dialog import FormDialog

LONG = ("La date du repérage ne peut pas être postérieure à aujourd'hui (22/11/2026) : vérifiez le jour, "
        "le mois et l'année saisis, au format JJ/MM/AAAA.")


def test_a_long_refusal_grows_the_dialog_instead_of_overlapping_the_next_row(qtbot):
    def save(fields, confirm):
        raise DomainError(LONG, "referred_on")

    dialog = FormDialog(None, "Repérage", [("referred_on", "Date du repérage :", DateField()),
                                            ("source", "Origine :", TextField()),
                                            ("reasons", "Motifs :", MultilineField())], {}, save)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    height = dialog.height()
    dialog.fields["source"].set_value("école")
    assert not dialog.save()
    assert dialog.isVisible() and dialog.fields["source"].value() == "école"
    assert dialog.errors.message("referred_on") == LONG
    assert dialog.height() > height
    message = dialog.findChild(QLabel, "error_referred_on")
    assert message.height() >= message.heightForWidth(message.width())  # every line of it shown
    below = message.mapTo(dialog, QPoint(0, message.height())).y()
    assert below <= dialog.fields["source"].widget.mapTo(dialog, QPoint(0, 0)).y()  # above the next row


def test_escape_cancels_without_calling_the_service(qtbot):
    calls = []
    dialog = FormDialog(None, "Adulte", [("last_name", "Nom :", TextField()), ("first_name", "Prénom :", TextField())],
                        {"last_name": "Dupré"}, lambda fields, confirm: calls.append(fields))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.fields["last_name"].widget  # the first field, then Tab in the form's order
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.fields["first_name"].widget
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible() and calls == []
