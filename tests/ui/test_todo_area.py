"""À traiter lists each kind of due item; opening a line asks for the right file."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from pre_desktop import db
from pre_desktop.models import ChildStatus, Pathway, PathwayAction
from pre_desktop.ui import areas
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.todo_area import COL_KIND, COL_WHO, ITEM_ROLE, TodoArea

sys.path.insert(0, str(Path(__file__).parents[1] / "services"))  # the care builders live with the service tests
from care_fixtures import add_sessions, care_referral, convention, family_with_child, partner, weekly  # noqa: E402

D = dt.date


def test_each_kind_is_listed_and_a_line_opens_its_file(qtbot, engine, factory, tmp_path, monkeypatch):
    with db.session_scope(factory) as s:
        p = partner(s)
        conv = convention(s, p)
        lea = family_with_child(s, first_name="Léa")
        cr = care_referral(s, lea, p, conv, answered_on=D(2026, 2, 5), first_appointment_on=D(2026, 2, 10))
        add_sessions(s, cr, weekly(D(2026, 2, 10), 16))
        noe = family_with_child(s, name="Martin", first_name="Noé")
        care_referral(s, noe, p, conv, requested_on=D(2026, 10, 1), sent_on=D(2026, 10, 8))
        adam = family_with_child(s, name="Diallo", first_name="Adam")
        adam.status = ChildStatus.ACTIVE
        pathway = Pathway(child=adam, start_date=D(2026, 1, 10), review_date=D(2026, 11, 1), objectives="")
        s.add_all([pathway, PathwayAction(pathway=pathway, label="Atelier théâtre", start_date=D(2026, 3, 1))])
        ids = {"lea": lea.id, "noe": noe.id, "conv": conv.id}
    ctx = AppContext(tmp_path / "t.sqlite", engine, factory, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    area = TodoArea(ctx)
    qtbot.addWidget(area)
    kinds = {area.proxy.index(r, COL_KIND).data() for r in range(area.proxy.rowCount())}
    assert kinds == {"Réponse en retard", "Quota de séances", "Convention à renouveler", "Hors EPS",
                     "Révision du parcours"}
    assert area.proxy.index(0, COL_WHO).data() == "MARTIN Noé"  # the overdue answer comes first

    opened, records = [], []
    ctx.open_child.connect(opened.append)
    ctx.open_record.connect(lambda kind, rid: records.append((kind, rid)))
    area.table.setFocus()
    area.table.setCurrentIndex(area.proxy.index(0, 0))
    qtbot.keyClick(area.table, Qt.Key.Key_Return)
    assert opened == [ids["noe"]]

    row = next(r for r in range(area.proxy.rowCount()) if area.proxy.index(r, COL_KIND).data() == "Convention à renouveler")
    line = area.proxy.index(row, 0)
    monkeypatch.setitem(areas.SCREENS, "conventions", "pre_desktop.ui.todo_area:TodoArea")
    area.open_line(line)
    assert records == [("convention", ids["conv"])]
    monkeypatch.delitem(areas.SCREENS, "conventions")
    area.open_line(line)  # no area shows conventions: listed, not clickable, nothing asked
    assert records == [("convention", ids["conv"])]
    assert not (area.proxy.flags(line) & Qt.ItemFlag.ItemIsEnabled)
    assert line.data(ITEM_ROLE).target == "convention"

    area.kind_filter.setCurrentIndex(area.kind_filter.findData("quota"))
    assert area.proxy.rowCount() == 1 and area.proxy.index(0, COL_WHO).data() == "DUPONT Léa"
    assert area.count_label.text() == "1 ligne"


def test_in_the_window_each_line_opens_the_concerned_file(qtbot, engine, factory, tmp_path):
    from pre_desktop.ui.main_window import MainWindow

    with db.session_scope(factory) as s:
        p = partner(s)
        conv = convention(s, p, end=D(2026, 12, 31))  # ends within two months: to renew
        adam = family_with_child(s, name="Diallo", first_name="Adam")
        adam.status = ChildStatus.ACTIVE
        s.add(Pathway(child=adam, start_date=D(2026, 1, 10), review_date=D(2026, 11, 1), objectives=""))
        ids = {"adam": adam.id, "conv": conv.id}
    window = MainWindow(tmp_path / "t.sqlite", engine, factory,
                        settings=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    area = window.screen("todo")
    assert window.current_area() == "todo"

    def open_kind(label: str) -> None:
        row = next(r for r in range(area.proxy.rowCount()) if area.proxy.index(r, COL_KIND).data() == label)
        area.table.setFocus()
        area.table.setCurrentIndex(area.proxy.index(row, 0))
        qtbot.keyClick(area.table, Qt.Key.Key_Return)

    open_kind("Révision du parcours")
    assert ids["adam"] in window.child_files
    window.child_files[ids["adam"]].close()
    window.show_area("todo")
    open_kind("Convention à renouveler")
    assert window.current_area() == "conventions"
    assert window.screen("conventions").form.convention_id == ids["conv"]
