"""Nouveau repérage as a user types it: child, family, repérage; refusals on their field; duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWizard
from sqlalchemy import select

from pre_desktop import db
from pre_desktop.models import Child, ChildStatus, Family, Referral
from pre_desktop.services.children import create_family
from pre_desktop.ui.children_area import ChildrenArea
from pre_desktop.ui.children_model import COL_FIRST_NAME, COL_LAST_NAME, COL_STATUS
from pre_desktop.ui.context import AppContext
from pre_desktop.ui.new_referral import PAGE_CHILD, PAGE_FAMILY, PAGE_REFERRAL, NewReferralWizard

from test_main_window import type_text


@pytest.fixture
def ctx(qtbot, engine, factory, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return AppContext(tmp_path / "test.sqlite", engine, factory, settings)


@pytest.fixture
def wizard(qtbot, ctx):
    wiz = NewReferralWizard(ctx)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitExposed(wiz)
    return wiz


def fill_child(qtbot, wiz: NewReferralWizard, last="Dupré", first="Éloïse", born="04/03/2015") -> None:
    page = wiz.child_page
    type_text(qtbot, page.last_name, last)
    type_text(qtbot, page.first_name, first)
    type_text(qtbot, page.birth_date, born)
    page.sex.setCurrentIndex(1)
    page.school.setCurrentText("École Jules-Ferry")
    type_text(qtbot, page.school_class, "CM1")


def fill_referral(qtbot, wiz: NewReferralWizard, reasons="Difficultés scolaires") -> None:
    page = wiz.referral_page
    page.source.setCurrentText("École")
    type_text(qtbot, page.referrer_name, "Mme Durand")
    type_text(qtbot, page.reasons, reasons)


def test_a_new_child_is_typed_through_the_steps_and_found_in_the_list(qtbot, ctx, wizard, factory):
    area = ChildrenArea(ctx)
    qtbot.addWidget(area)
    ctx.data_changed.connect(area.refresh)
    fill_child(qtbot, wizard)
    wizard.next()
    assert wizard.currentId() == PAGE_FAMILY
    assert wizard.family_page.name.text() == "Dupré"  # prefilled from the child's name
    type_text(qtbot, wizard.family_page.languages, "arabe, français")
    type_text(qtbot, wizard.family_page.guardian_last, "Dupré")
    type_text(qtbot, wizard.family_page.guardian_first, "Samira")
    wizard.next()
    assert wizard.currentId() == PAGE_REFERRAL
    fill_referral(qtbot, wizard)
    wizard.referral_page.referent.setCurrentIndex(wizard.referral_page.referent.findData(2))
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.result() == QWizard.DialogCode.Accepted

    with factory() as s:
        child = s.scalars(select(Child)).one()
        assert (child.last_name, child.first_name, child.birth_date) == ("Dupré", "Éloïse", dt.date(2015, 3, 4))
        assert child.status is ChildStatus.REFERRED and child.referent_id == 2 and child.school_class == "CM1"
        assert child.family.languages == "arabe, français"
        assert [g.first_name for g in child.family.guardians] == ["Samira"]
        assert [(r.source, r.reasons) for r in child.referrals] == [("École", "Difficultés scolaires")]
    assert wizard.created_child_id == child.id
    assert area.proxy.rowCount() == 1
    assert area.proxy.index(0, COL_LAST_NAME).data() == "DUPRÉ"
    assert area.proxy.index(0, COL_STATUS).data() == "Repéré — attend l'EPS"


def test_a_refused_field_is_shown_on_its_page_and_nothing_is_stored(qtbot, wizard, db_snapshot):
    before = db_snapshot()
    type_text(qtbot, wizard.child_page.last_name, "Martin")
    type_text(qtbot, wizard.child_page.first_name, "Noé")
    type_text(qtbot, wizard.child_page.birth_date, "31/02/2015")
    wizard.next()
    assert wizard.currentId() == PAGE_CHILD
    assert wizard.child_page.errors.shown_field == "birth_date"
    assert "n'est pas une date valide" in wizard.child_page.errors.message("birth_date")
    wizard.child_page.birth_date.setText("01/09/2018")
    wizard.next()
    wizard.next()
    assert wizard.currentId() == PAGE_REFERRAL
    wizard.referral_page.source.setCurrentText("Famille")
    wizard.referral_page.referred_on.setText("01/01/2030")  # in the future: refused by the service
    type_text(qtbot, wizard.referral_page.reasons, "Anxiété")
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.isVisible() and wizard.currentId() == PAGE_REFERRAL
    assert wizard.referral_page.errors.shown_field == "referred_on"
    assert "futur" in wizard.referral_page.errors.message("referred_on")
    assert db_snapshot() == before


def test_a_refused_guardian_brings_back_to_the_family_and_stores_nothing(qtbot, wizard, db_snapshot):
    before = db_snapshot()
    fill_child(qtbot, wizard)
    wizard.next()
    type_text(qtbot, wizard.family_page.guardian_first, "Samira")  # no last name: refused at the end
    wizard.next()
    fill_referral(qtbot, wizard)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    assert wizard.currentId() == PAGE_FAMILY
    assert wizard.family_page.guardian_errors.shown_field == "last_name"
    assert "obligatoire" in wizard.family_page.guardian_errors.message("last_name")
    assert db_snapshot() == before


def test_an_existing_family_is_picked_by_searching(qtbot, wizard, factory):
    with db.session_scope(factory) as s:
        family_id = create_family(s, name="Benali", town="Ville-Exemple").id
    fill_child(qtbot, wizard, last="Benali", first="Inès", born="02/01/2016")
    wizard.next()
    page = wizard.family_page
    assert page.families.rowCount() == 1  # searched with the child's last name
    page.search.clear()
    type_text(qtbot, page.search, "BENA")
    page.find_families()
    page.family_list.setCurrentIndex(page.families.index(0))
    assert page.existing.isChecked()
    wizard.next()
    fill_referral(qtbot, wizard)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    with factory() as s:
        assert s.scalars(select(Child.family_id)).one() == family_id
        assert s.scalar(select(Family.id).where(Family.id != family_id)) is None


def _answer_warning(qtbot, button_text: str) -> None:
    """Click a button of the warning box once it shows (it runs its own event loop)."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        next(b for b in box.findChildren(QPushButton) if b.text() == button_text).click()
    QTimer.singleShot(20, click)


@pytest.fixture
def existing_child(factory) -> int:
    with db.session_scope(factory) as s:
        child = Child(family=Family(name="Dupre"), last_name="Dupre", first_name="Eloise",
                      birth_date=dt.date(2015, 3, 4), status=ChildStatus.REFERRED)
        s.add(child)
        s.flush()
        return child.id


def test_duplicate_warning_offers_to_open_the_existing_file(qtbot, ctx, wizard, existing_child, db_snapshot):
    before = db_snapshot()
    opened = []
    ctx.open_child.connect(opened.append)
    fill_child(qtbot, wizard)  # "Dupré Éloïse", same birth date
    _answer_warning(qtbot, "Ouvrir le dossier existant")
    wizard.next()
    assert opened == [existing_child]
    assert not wizard.isVisible() and wizard.created_child_id is None
    assert db_snapshot() == before


def test_duplicate_warning_can_be_overridden(qtbot, wizard, existing_child, factory):
    fill_child(qtbot, wizard)
    _answer_warning(qtbot, "Créer quand même")
    wizard.next()
    assert wizard.currentId() == PAGE_FAMILY and wizard.confirmed
    wizard.next()
    fill_referral(qtbot, wizard)
    wizard.button(QWizard.WizardButton.FinishButton).click()
    with factory() as s:
        assert s.scalar(select(Child.id).where(Child.id != existing_child)) == wizard.created_child_id
        assert len(s.scalars(select(Referral)).all()) == 1


def test_escape_cancels_without_storing(qtbot, wizard, db_snapshot):
    before = db_snapshot()
    fill_child(qtbot, wizard)
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()
    assert db_snapshot() == before

