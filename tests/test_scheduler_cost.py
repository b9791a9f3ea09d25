"""A scheduler pass costs what is due, not what is waiting (issue 17, part 5): with ten times
as many cases waiting on later timers, one pass issues the same statements and loads only
the due cases. Counts, not times: SQLAlchemy's events count statements and loaded rows.
bench/scheduler_pass.py shows the same with 20,000 waiting cases."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert
from sqlalchemy import inspect as sa_inspect

from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, utcnow
from app.models.instances import new_id
from app.services import instances, retention, timers
from tests.diagrams import two_step
from tests.helpers import deploy, waiting_on_its_timer


@pytest.fixture(autouse=True)
def two_step_model(app):
    deploy(app, two_step())


def _waiting_case(as_user) -> str:
    """A real case waiting seven days on its timer (two_step's "wait" outcome)."""
    return waiting_on_its_timer(as_user)


def _copies(app, template_id: str, count: int) -> list[str]:
    """Rows shaped exactly like a real case, its stored workflow and timer included."""
    with app.app_context():
        template = db.session.get(ProcessInstance, template_id)
        row = {attr.key: getattr(template, attr.key)
               for attr in sa_inspect(template).mapper.column_attrs}
        ids = [new_id() for _ in range(count)]
        db.session.execute(insert(ProcessInstance), [{**row, "id": each} for each in ids])
        db.session.commit()
        return ids


@contextmanager
def _counted(app):
    seen = {"statements": 0, "loaded": []}

    def on_statement(*_):
        seen["statements"] += 1

    def on_load(target, _context):
        seen["loaded"].append(target.id)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", on_statement)
        event.listen(ProcessInstance, "load", on_load)
        try:
            yield seen
        finally:
            event.remove(db.engine, "before_cursor_execute", on_statement)
            event.remove(ProcessInstance, "load", on_load)
            db.session.remove()


def _one_pass(app, moment) -> dict:
    with _counted(app) as seen:
        fired = timers.run_due(moment)
    return {**seen, "fired": sorted(item["instance_id"] for item in fired)}


def test_a_pass_loads_the_due_cases_only_however_many_wait(app, as_user, traveller):
    first = _waiting_case(as_user)  # its seven days are up first
    traveller.shift(timedelta(hours=1))
    second = _waiting_case(as_user)  # an hour later
    traveller.shift(timedelta(days=5))
    later = _waiting_case(as_user)  # five days later than that
    with app.app_context():  # the panels' meetings exist before either pass is counted
        timers.keep_calendar(utcnow() + timedelta(days=2))
        db.session.remove()
    first_due = [first, *_copies(app, first, 2)]
    second_due = [second, *_copies(app, second, 2)]
    _copies(app, later, 5)
    moment = utcnow() + timedelta(days=1, hours=23, minutes=30)  # between first and second
    with app.app_context():  # once a day's first pass: the retention listing, not counted here
        retention.mark_due_daily(moment)
        db.session.remove()
    few = _one_pass(app, moment)

    _copies(app, later, 50)  # ten times as many waiting
    many = _one_pass(app, moment + timedelta(hours=1))

    assert few["fired"] == sorted(first_due) and many["fired"] == sorted(second_due)
    assert sorted(few["loaded"]) == sorted(first_due)  # loaded: the due cases, once each
    assert sorted(many["loaded"]) == sorted(second_due)
    assert many["statements"] == few["statements"]
    with app.app_context():
        statuses = dict(db.session.execute(
            db.select(ProcessInstance.status, db.func.count())
            .where(ProcessInstance.process_key == "two_step")
            .group_by(ProcessInstance.status)).all())
    assert statuses == {InstanceStatus.COMPLETED: 6, InstanceStatus.WAITING: 1 + 5 + 50}


def test_the_due_query_reads_one_index_range_not_every_waiting_case(app, database_url):
    """The scheduler's query is answered from ix_process_instances_due (status, next_timer_at).
    On next_timer_at and status alone SQLite chose the status index: every waiting case read
    on every pass. PostgreSQL prefers a plain scan of a table this small, so that is turned
    off for the question: can the index answer it."""
    with app.app_context():
        query = instances.due_query(utcnow()).compile(
            db.engine, compile_kwargs={"literal_binds": True})
        if database_url.startswith("sqlite"):
            plan = db.session.execute(db.text(f"EXPLAIN QUERY PLAN {query}")).all()
        else:
            db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
            plan = db.session.execute(db.text(f"EXPLAIN {query}")).all()
        db.session.rollback()
    steps = " / ".join(str(row[-1]) for row in plan)
    assert "ix_process_instances_due" in steps, steps
