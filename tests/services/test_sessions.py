import datetime as dt

import pytest
from care_fixtures import (
    add_sessions,
    care_referral as make_cr,
    convention as make_convention,
    family_with_child,
    partner as make_partner,
    weekly,
)

from pre_desktop import db
from pre_desktop.models import CareReferral, CareReferralState, CareSession, ConventionStatus, SessionKind, SessionStatus
from pre_desktop.services import care_referrals as crs, conventions as cv, sessions as ss
from pre_desktop.services.errors import DomainError, NeedsConfirmation

D = dt.date
START = D(2026, 2, 2)  # the fiche was sent that day (see care_fixtures)


def _cr(s, **kwargs):
    child = family_with_child(s)
    p = make_partner(s)
    conv = make_convention(s, p, **kwargs)
    return make_cr(s, child, p, conv, answered_on=D(2026, 2, 5))


def _with_present(factory, count, **kwargs):
    with db.session_scope(factory, 1) as s:
        cr = _cr(s, **kwargs)
        add_sessions(s, cr, weekly(D(2026, 2, 9), count))
        return cr.id


def test_first_held_session_starts_the_care(session):
    cr = _cr(session)
    ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 2, 10), status=SessionStatus.UNEXCUSED)
    assert cr.state is CareReferralState.ANSWERED
    cs = ss.record_session(session, care_referral_id=cr.id, session_date="12/02/2026", note="Bonne alliance")
    assert cr.state is CareReferralState.IN_PROGRESS and cs.kind is SessionKind.INDIVIDUAL and not cs.hors_quota
    ss.delete_session(session, cs.id)
    assert cr.state is CareReferralState.ANSWERED


@pytest.mark.parametrize("kwargs, text", [
    (dict(session_date=D(2026, 2, 1)), "précéder l'envoi"),
    (dict(session_date=D(2026, 11, 23)), "futur"),
    (dict(session_date=D(2026, 2, 9)), "déjà enregistrée"),  # same day and kind
    (dict(session_date="31/02/2026"), "date valide"),
    (dict(session_date=D(2026, 2, 10), kind="groupe"), "type d'entretien"),
    (dict(session_date=D(2026, 2, 10), status="venu"), "statut"),
])
def test_record_refusals(factory, db_snapshot, kwargs, text):
    cid = _with_present(factory, 1)
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            ss.record_session(s, care_referral_id=cid, **kwargs)
    assert text in err.value.message
    assert db_snapshot() == before


def test_same_day_other_kind_is_allowed(session):
    cr = _cr(session)
    ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 2, 10))
    ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 2, 10), kind=SessionKind.PARENTS)
    assert len(cr.sessions) == 2


def test_refused_before_sending_and_after_end(factory, db_snapshot):
    with db.session_scope(factory, 1) as s:
        child = family_with_child(s)
        p = make_partner(s)
        draft = make_cr(s, child, p, None, sent_on=None)
        ended = make_cr(s, child, p, None)
        crs.end_care_referral(s, ended.id, ended_on=D(2026, 6, 30), end_reason="Abandon")
        ids = draft.id, ended.id
    before = db_snapshot()
    with pytest.raises(DomainError, match="pas encore été envoyée"):
        with db.session_scope(factory, 1) as s:
            ss.record_session(s, care_referral_id=ids[0], session_date=D(2026, 3, 1))
    with pytest.raises(DomainError, match="terminée le 30/06/2026"):
        with db.session_scope(factory, 1) as s:
            ss.record_session(s, care_referral_id=ids[1], session_date=D(2026, 7, 1))
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:  # up to the end day is still fine
        ss.record_session(s, care_referral_id=ids[1], session_date=D(2026, 6, 30))


def test_fifteenth_session_warns(factory, db_snapshot):
    cid = _with_present(factory, 14)
    before = db_snapshot()
    with pytest.raises(NeedsConfirmation) as asked:
        with db.session_scope(factory, 1) as s:
            ss.record_session(s, care_referral_id=cid, session_date=D(2026, 9, 1))
    assert asked.value.warnings[0].code == "quota_threshold"
    assert asked.value.warnings[0].message.startswith("15 séances sur 20")
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cs = ss.record_session(s, care_referral_id=cid, session_date=D(2026, 9, 1), confirm=True)
        assert not cs.hors_quota
        assert ss.quota_status(s, cid) == ss.QuotaStatus(15, 20, 15, 0, "warning")


def test_fourteenth_does_not_warn(session):
    cr = _cr(session)
    add_sessions(session, cr, weekly(D(2026, 2, 9), 13))
    assert not ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1)).hors_quota
    assert ss.quota_status(session, cr.id).level == "ok"


def test_twentieth_warns_that_quota_is_reached(session):
    cr = _cr(session)
    add_sessions(session, cr, weekly(D(2026, 2, 9), 19))
    with pytest.raises(NeedsConfirmation) as asked:
        ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1))
    assert asked.value.warnings[0].message.startswith("20 séances sur 20") and "relais" in asked.value.warnings[0].message
    cs = ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1), confirm=True)
    assert not cs.hors_quota and ss.quota_status(session, cr.id).level == "reached"


def test_twenty_first_needs_relay_funding(factory, db_snapshot):
    cid = _with_present(factory, 20)
    before = db_snapshot()
    with pytest.raises(DomainError) as err:
        with db.session_scope(factory, 1) as s:
            ss.record_session(s, care_referral_id=cid, session_date=D(2026, 9, 1), confirm=True)
    assert err.value.field == "relay_funding_note" and "relais" in err.value.message
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cs = ss.record_session(s, care_referral_id=cid, session_date=D(2026, 9, 1),
                               relay_funding_note="Relais CMP de secteur")
        assert cs.hors_quota and cs.relay_funding_note == "Relais CMP de secteur"
        assert s.get(CareReferral, cid).relay_funding_note == "Relais CMP de secteur"
        assert ss.quota_status(s, cid) == ss.QuotaStatus(20, 20, 15, 1, "beyond")
        assert ss.billable(cs) == (False, "Hors quota")


def test_absences_never_count_and_need_no_relay(session):
    cr = _cr(session)
    add_sessions(session, cr, weekly(D(2026, 2, 9), 14))
    add_sessions(session, cr, weekly(D(2026, 2, 10), 5), status=SessionStatus.EXCUSED)
    add_sessions(session, cr, weekly(D(2026, 2, 11), 3), status=SessionStatus.CANCELLED)
    assert ss.quota_status(session, cr.id).used == 14
    with pytest.raises(NeedsConfirmation) as asked:
        ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1))
    assert asked.value.warnings[0].message.startswith("15 séances sur 20")
    full = _cr(session)
    add_sessions(session, full, weekly(D(2026, 2, 9), 20))
    cs = ss.record_session(session, care_referral_id=full.id, session_date=D(2026, 9, 1),
                           status=SessionStatus.UNEXCUSED)
    assert not cs.hors_quota


def test_convention_quota_and_threshold_are_used(session):
    cr = _cr(session, quota=6, threshold=4)
    add_sessions(session, cr, weekly(D(2026, 2, 9), 3))
    with pytest.raises(NeedsConfirmation) as asked:
        ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1))
    assert asked.value.warnings[0].message.startswith("4 séances sur 6")


def test_update_session_rechecks_quota_and_dates(factory, db_snapshot):
    cid = _with_present(factory, 20)
    with db.session_scope(factory, 1) as s:
        absent = ss.record_session(s, care_referral_id=cid, session_date=D(2026, 9, 1), status=SessionStatus.EXCUSED)
        held = s.get(CareReferral, cid).sessions[0]
        ids = absent.id, held.id
    before = db_snapshot()
    with pytest.raises(DomainError) as err:  # absence turned into a held 21st session: relay needed
        with db.session_scope(factory, 1) as s:
            ss.update_session(s, ids[0], expected_version=1, status=SessionStatus.PRESENT)
    assert err.value.field == "relay_funding_note"
    with pytest.raises(DomainError, match="déjà enregistrée"):
        with db.session_scope(factory, 1) as s:
            ss.update_session(s, ids[0], expected_version=1, session_date=D(2026, 2, 9))
    assert db_snapshot() == before
    with db.session_scope(factory, 1) as s:
        cs = ss.update_session(s, ids[0], expected_version=1, status="present", relay_funding_note="CMP")
        assert cs.hors_quota
        cs = ss.update_session(s, ids[1], expected_version=None, status=SessionStatus.UNEXCUSED)
        assert not cs.hors_quota and ss.quota_status(s, cid).used == 19


def test_quota_alerts_lists_active_fiches_over_threshold(session):
    low = _cr(session)
    add_sessions(session, low, weekly(D(2026, 2, 9), 10))
    warn = _cr(session)
    add_sessions(session, warn, weekly(D(2026, 2, 9), 16))
    add_sessions(session, warn, weekly(D(2026, 2, 10), 5), status=SessionStatus.UNEXCUSED)
    full = _cr(session)
    add_sessions(session, full, weekly(D(2026, 2, 9), 20))
    beyond = _cr(session)
    add_sessions(session, beyond, weekly(D(2026, 2, 9), 20))
    add_sessions(session, beyond, [D(2026, 8, 1)], hors_quota=True)
    ended = _cr(session)
    add_sessions(session, ended, weekly(D(2026, 2, 9), 18))
    ended.state = CareReferralState.ENDED
    session.flush()
    rows = {r.care_referral_id: r for r in ss.quota_alerts(session)}
    assert set(rows) == {warn.id, full.id, beyond.id}
    assert (rows[warn.id].used, rows[warn.id].level) == (16, "warning")
    assert rows[full.id].level == "reached" and rows[beyond.id].level == "beyond"
    assert rows[beyond.id].hors_quota_count == 1 and rows[warn.id].child_name == "DUPONT Léa"


def test_billable_reasons(session):
    child = family_with_child(session)
    p = make_partner(session)
    conv = make_convention(session, p, start=D(2026, 1, 1), end=D(2026, 12, 31))
    cr = make_cr(session, child, p, conv)
    ok, excused, unexcused, cancelled = add_sessions(session, cr, [D(2026, 3, 2)])[0], *[
        add_sessions(session, cr, [D(2026, 3, 3 + i)], status=st)[0]
        for i, st in enumerate([SessionStatus.EXCUSED, SessionStatus.UNEXCUSED, SessionStatus.CANCELLED])]
    assert ss.billable(ok) == (True, "")
    assert ss.billable(excused) == (False, "Absence") and ss.billable(unexcused) == (False, "Absence")
    assert ss.billable(cancelled) == (False, "Annulée")
    cv.terminate_convention(session, conv.id, notice_on=D(2026, 3, 10))  # valid until 10/04/2026
    late = add_sessions(session, cr, [D(2026, 4, 11)])[0]
    last = add_sessions(session, cr, [D(2026, 4, 10)])[0]
    assert ss.billable(late) == (False, "Hors des dates de la convention")
    assert ss.billable(last) == (True, "")
    no_conv = make_cr(session, child, make_partner(session, name="Libéral"), None)
    assert ss.billable(add_sessions(session, no_conv, [D(2026, 3, 2)])[0]) == (False, "Sans convention")
    draft = make_convention(session, make_partner(session, name="B"), status=ConventionStatus.DRAFT)
    dcr = make_cr(session, child, draft.partner, draft)
    assert ss.billable(add_sessions(session, dcr, [D(2026, 3, 2)])[0]) == (False, "Convention non signée")
    assert isinstance(ok, CareSession)


def test_relay_noted_on_the_fiche_covers_the_following_sessions(session):
    """Once the référent noted the relay funding, each further held session is hors quota without asking again;
    hors-quota sessions are never billed, and absences beyond the quota are not hors quota."""
    cr = _cr(session)
    add_sessions(session, cr, weekly(D(2026, 2, 9), 20))
    first = ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 1), relay_funding_note="CMP")
    second = ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 8))
    absent = ss.record_session(session, care_referral_id=cr.id, session_date=D(2026, 9, 15), status=SessionStatus.EXCUSED)
    assert (first.hors_quota, second.hors_quota, absent.hors_quota) == (True, True, False)
    assert second.relay_funding_note == "CMP"
    assert ss.billable(first) == ss.billable(second) == (False, "Hors quota")
    assert ss.quota_status(session, cr.id) == ss.QuotaStatus(20, 20, 15, 2, "beyond")
