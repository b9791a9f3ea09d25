"""Retention (issue 20, part 5), on the pathways' own rules: a closed MARP request is due for
deletion 7 years after it closed (MARP's diagram, `retainYearsAfterClose`); a looked-after
child's placement records only after the child's 75th birthday (Placement Forum Part 1's
diagram, `retainUntilAge`; domain.md, information governance: "looked-after children's
records until the 75th birthday (reg 50)"). The scheduled job lists; an administrator
selects, confirms, and the case's records go, leaving an anonymised trace and the audit."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.engine.parsing import BpmnProblems, parse_model
from app.extensions import db
from app.models import (
    AuditEvent,
    Document,
    HistoryEvent,
    HumanTask,
    MeetingItem,
    Notification,
    ProcessInstance,
    RetentionDue,
    RetentionTrace,
)
from app.services import deployment, retention, storage
from app.worker import make_celery
from tests.documents import samples
from tests.pathways.test_marp import MEETING_DAY, Case, _to_listing
from tests.retention.conftest import user
from tests.test_authorization_matrix import MARP_XML

CLOSED_ON = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the traveller's frozen "now"


def _declined_marp(app, as_user) -> tuple[Case, str]:
    """A MARP request with an uploaded paper, declined at panel and so closed."""
    case = Case(app, as_user)
    uploaded = samples.upload(as_user("social_worker"), case.id, samples.pdf("Case summary"))
    assert uploaded.status_code == 201, uploaded.json
    _to_listing(case)
    case.tick(MEETING_DAY)
    case.do("record_decision", "record_decision__declined")
    assert case.instance()["status"] == "completed"
    return case, uploaded.json["id"]


def _listed() -> set[str]:
    return set(db.session.scalars(db.select(RetentionDue.instance_id)))


def test_each_pathway_sets_its_rule_in_its_diagram(ctx):
    assert deployment.latest_version("marp").retention == {"years_after_close": 7}
    assert deployment.latest_version("placement_forum_1").retention == {"until_age": 75}
    # Every pathway about one child has a rule (domain.md: a looked-after child's records
    # until the 75th birthday, reg 50); those about no one child (a meeting's minutes, the
    # week's new children, the standing reviews of placements) have none and are kept.
    for key in ("ctmp", "pct", "placement_forum_2", "placement_forum_3", "ppm",
                "private_fostering", "panel_note"):
        assert deployment.latest_version(key).retention == {"until_age": 75}, key
    for key in ("panel_minutes", "ctmp_new_cla", "ctmp_external_review", "ctmp_inhouse_review"):
        assert deployment.latest_version(key).retention is None, key
    bad = MARP_XML.replace('name="retainYearsAfterClose" value="7"',
                           'name="retainYearsAfterClose" value="seven"')
    with pytest.raises(BpmnProblems, match="whole number of years"):
        parse_model(bad)
    both = MARP_XML.replace('<spiffworkflow:property name="retainYearsAfterClose" value="7" />',
                            '<spiffworkflow:property name="retainYearsAfterClose" value="7" />'
                            '<spiffworkflow:property name="retainUntilAge" value="75" />')
    with pytest.raises(BpmnProblems, match="one retention rule"):
        parse_model(both)


def test_a_closed_marp_request_is_due_seven_years_after_it_closed(app, as_user, traveller,
                                                                   browser):
    case, _ = _declined_marp(app, as_user)
    traveller.move_to(datetime(2033, 11, 22, 10, 0, tzinfo=UTC))  # a day short of 7 years
    with app.app_context():
        assert retention.mark_due() == []
    traveller.move_to(datetime(2033, 11, 23, 10, 0, tzinfo=UTC))
    # The scheduler's pass (`flask run-due`, as the embedded scheduler runs it) lists it.
    app.extensions.pop("panelflow.retention_marked_on", None)  # another test's pass today
    assert app.test_cli_runner().invoke(args=["run-due"]).exit_code == 0
    with app.app_context():
        assert _listed() == {case.id}
        assert db.session.get(ProcessInstance, case.id) is not None  # listed, not deleted
    page = browser("administrator").get("/admin/retention").get_data(as_text=True)
    for shown in ("C-2001", "Multi-Agency Resource Panel (MARP)", "23 November 2026",
                  "7 years after the case closed", "23 November 2033"):
        assert shown in page


def test_the_administrator_confirms_and_the_records_go_leaving_a_trace(app, as_user,
                                                                        traveller, browser):
    case, document_id = _declined_marp(app, as_user)
    as_user("manager").get(f"/api/v1/process-instances/{case.id}")  # a view, in the audit
    with app.app_context():
        key = db.session.get(Document, document_id).storage_key
        assert storage.store().get(key)
        viewed = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.child_ref == "C-2001"))
    traveller.move_to(datetime(2034, 1, 5, 10, 0, tzinfo=UTC))
    with app.app_context():
        assert retention.mark_due() == [case.id]
    admin = browser("administrator")
    refused = admin.post("/admin/retention/confirm", {})
    assert refused.status_code == 422
    assert "Select the cases whose records you want to delete" in refused.get_data(as_text=True)
    check = admin.post("/admin/retention/confirm", {"instance_ids": case.id})
    assert check.status_code == 200
    assert "Delete the records of 1 case?" in check.get_data(as_text=True)
    with app.app_context():  # nothing goes until the administrator confirms
        assert db.session.get(ProcessInstance, case.id) is not None
    done = admin.post("/admin/retention/delete", {"instance_ids": case.id})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(ProcessInstance, case.id) is None
        for model in (HumanTask, HistoryEvent, Document, MeetingItem, RetentionDue):
            assert db.session.scalar(db.select(db.func.count()).select_from(model).where(
                model.instance_id == case.id)) == 0, model
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
            Notification.instance_id == case.id)) == 0
        with pytest.raises(FileNotFoundError):  # the stored file went with the row
            storage.store().get(key)
        [trace] = db.session.scalars(db.select(RetentionTrace)).all()
        assert (trace.process_key, trace.status, trace.outcome) == ("marp", "completed",
                                                                     "declined")
        assert (trace.started_month, trace.closed_month, trace.deleted_month) == (
            "2026-11", "2026-11", "2034-01")
        assert trace.steps_done == 5
        assert set(trace.step_days) == {"prepare_request", "tm_review", "sm_approval",
                                        "list_for_panel", "record_decision"}
        kept = json.dumps({c.name: str(getattr(trace, c.name))
                           for c in RetentionTrace.__table__.columns})
        assert "C-2001" not in kept and "Jamie" not in kept
        # The audit trail outlives each test (append-only): only this case's deletion.
        [deletion] = db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.object_type == "retention_deletion",
            AuditEvent.object_id == case.id)).all()
        assert (deletion.actor, deletion.object_id, deletion.child_ref) == (
            "administrator", case.id, None)
        # The audit of who viewed the child's records is append-only, and kept.
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(
            AuditEvent.child_ref == "C-2001")) >= viewed > 0
    assert browser("manager").get(f"/cases/{case.id}").status_code == 404
    again = admin.post("/admin/retention/delete", {"instance_ids": case.id})
    assert again.status_code == 422  # no longer listed: nothing to delete twice
    counted = again.get_data(as_text=True)
    assert "No records are due for deletion" in counted
    assert ">declined<" in counted and "2034-01" in counted  # the trace, counted


def test_a_looked_after_childs_records_are_kept_until_the_75th_birthday(app, as_user,
                                                                       traveller):
    worker, manager = as_user("social_worker"), as_user("manager")
    ids = {}
    for name, subject in (("born", {"child_ref": "C-LAC", "name": "Alex Example",
                                    "date_of_birth": "2012-03-27"}),
                          ("unknown", {"child_ref": "C-LAC-2", "name": "Bo Example"})):
        started = worker.post("/api/v1/process-instances", json={
            "process_model": "placement_forum_1", "subject": subject})
        assert started.status_code == 201, started.json
        ids[name] = started.json["id"]
        closed = manager.post(f"/api/v1/process-instances/{ids[name]}/terminate",
                              json={"reason": "Placement ended"})
        assert closed.status_code == 200, closed.json
    open_marp = worker.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-OPEN"}}).json["id"]
    for moment, expected in ((datetime(2040, 1, 1, tzinfo=UTC), set()),  # 7+ years closed
                             (datetime(2087, 3, 26, tzinfo=UTC), set()),  # 74 and 364 days
                             (datetime(2087, 3, 27, tzinfo=UTC), {ids["born"]})):
        traveller.move_to(moment)
        with app.app_context():
            retention.mark_due()
            assert _listed() == expected, moment
    with app.app_context():  # no date of birth: kept, never guessed; an open case: kept
        assert ids["unknown"] not in _listed() and open_marp not in _listed()


def test_a_rule_changed_in_the_diagram_applies_at_the_next_pass(app, as_user, traveller):
    worker = as_user("social_worker")
    started = worker.post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-RULE"}}).json["id"]
    as_user("manager").post(f"/api/v1/process-instances/{started}/terminate",
                            json={"reason": "Withdrawn"})
    traveller.move_to(datetime(2034, 6, 1, tzinfo=UTC))
    with app.app_context():
        assert retention.mark_due() == [started]
        deployment.deploy_xml(MARP_XML.replace('name="retainYearsAfterClose" value="7"',
                                               'name="retainYearsAfterClose" value="10"'),
                              "process_owner", "Kept 10 years")
        db.session.commit()
        # Still listed until the next pass, but confirmed now it is not deleted: the rule
        # is read again when the administrator confirms.
        assert retention.delete(user("administrator"), [started]) == []
        assert db.session.get(ProcessInstance, started) is not None
        retention.mark_due()
        assert _listed() == set()  # not due until 2036 now


def test_the_beat_schedule_lists_retention_daily(app):
    celery = make_celery(app)
    entry = celery.conf.beat_schedule["list-retention-due"]
    assert entry["task"] == "panelflow.retention_mark_due" and entry["schedule"] == 86400
    assert "panelflow.retention_mark_due" in celery.tasks


def test_the_process_library_says_each_pathways_rule(browser):
    owner = browser("process_owner")
    assert "Retention: 7 years after the case closed, then listed" in owner.get(
        "/models/marp").get_data(as_text=True)
    assert "Retention: until the child&#39;s 75th birthday" in owner.get(
        "/models/placement_forum_1").get_data(as_text=True)
    assert "Retention: no rule, so closed cases are kept" in owner.get(
        "/models/ctmp_new_cla").get_data(as_text=True)
