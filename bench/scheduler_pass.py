# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: does one scheduler pass cost what is due, or what is waiting? (issue 17, part 5)

Cases of a timer diagram (start → wait seven days → end) are begun through the engine, then
copied in bulk: `--waiting` (20,000) copies of one begun now (due in seven days) and `--due`
(10) of one begun eight days ago (due yesterday), rows exactly as the engine stores them.
One pass of the scheduler (`timers.run_due`: what the embedded scheduler, `flask run-due`
and Celery beat run) is then timed, after a warm-up pass with nothing due. It prints the
time, the SQL statements issued (each distinct one with its count) and the case rows loaded.

    .venv/bin/python bench/scheduler_pass.py --db sqlite
    .venv/bin/python bench/scheduler_pass.py --db postgresql   # 127.0.0.1:5432, recreated

Times are wall-clock on a shared machine; the statement and case counts are exact.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade
from sqlalchemy import event, insert

from app import create_app
from app.demo import seed as seed_people
from app.engine.clock import engine_time
from app.extensions import db
from app.models import InstanceStatus, ProcessInstance, utcnow
from app.models.instances import new_id
from app.services import instances, timers
from app.services.deployment import deploy_directory, deploy_xml
from bench.seeding import CHUNK_ROWS, _columns, fresh_database

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/panelflow_scheduler_bench"
KEY = "scheduler_bench"

TIMER_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="defs" targetNamespace="http://panelflow.test/bpmn">
<bpmn:process id="{KEY}" name="Scheduler bench" isExecutable="true">
  <bpmn:laneSet id="lanes"><bpmn:lane id="lane_sw" name="Social Worker">
    <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:intermediateCatchEvent id="wait" name="Seven days"><bpmn:incoming>f1</bpmn:incoming>
    <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>
      <bpmn:timeDuration>"P7D"</bpmn:timeDuration></bpmn:timerEventDefinition>
  </bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
  <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
</bpmn:process></bpmn:definitions>
"""


def make_app(database_url: str):
    """The app with the real pathways and forms deployed and the demo people: a pass also
    keeps the panels' calendars and begins their weekly returns, as it does in service."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "DEPLOY_ON_START": False,
                      "RUN_SCHEDULER": False, "PANELFLOW_ENV": "testing",
                      "FAST_PASSWORD_HASHES": True, "PROCESSES_DIR": str(ROOT / "processes"),
                      "FORMS_DIR": str(ROOT / "forms")})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        deploy_directory(ROOT / "processes", "bench")
        seed_people(ROOT / "processes", "scheduler-bench-password")
        db.session.commit()
    return app


def _template(started_at) -> dict:
    """A real case, begun by the engine as if at `started_at`, as a row to copy."""
    with engine_time(started_at):
        case = instances.start_as_system(KEY, {"child_ref": "C-0", "name": "Template"}, {})
        db.session.flush()
    assert case.status == InstanceStatus.WAITING and case.next_timer_at is not None
    row = _columns(case)
    db.session.delete(case)  # only the copies wait
    return row


def seed(waiting: int, due: int) -> None:
    """`due` copies of a case begun eight days ago (its seven days are up), and `waiting`
    copies of one begun now (due in seven days): rows exactly as the engine stores them."""
    deploy_xml(TIMER_XML, "bench")
    now = utcnow()
    overdue, later = _template(now - timedelta(days=8)), _template(now)
    rows = [{**(overdue if index < due else later), "id": new_id(),
             "child_ref": f"C-{index + 1}", "lock_version": 1,
             "subject": {"child_ref": f"C-{index + 1}", "name": f"Child {index + 1}"}}
            for index in range(due + waiting)]
    for chunk in range(0, len(rows), CHUNK_ROWS):
        db.session.execute(insert(ProcessInstance), rows[chunk:chunk + CHUNK_ROWS])
    db.session.commit()


def one_pass(app, moment) -> dict:
    statements: list[str] = []
    loaded: list[str] = []

    def on_statement(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()))

    def on_load(target, context):
        loaded.append(target.id)

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(ProcessInstance, "load", on_load)
        try:
            began = time.perf_counter()
            fired = timers.run_due(moment)
            seconds = time.perf_counter() - began
        finally:
            event.remove(engine, "before_cursor_execute", on_statement)
            event.remove(ProcessInstance, "load", on_load)
            db.session.remove()
    return {"seconds": seconds, "fired": len(fired), "statements": statements,
            "loaded": len(loaded), "distinct_loaded": len(set(loaded))}


def due_query_plan(dialect: str) -> list[str]:
    """How the database finds the due cases: by the index on next_timer_at, not a scan."""
    query = instances.due_query(utcnow())
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    rows = db.session.execute(db.text(explain + str(compiled))).all()
    return [str(row[-1]) for row in rows]


def _short(statement: str) -> str:
    """A statement without its column list, to fit a line."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", statement)[:150]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--waiting", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=10)
    args = parser.parse_args()
    logging.getLogger("app").setLevel(logging.WARNING)
    database = fresh_database(None if args.db == "sqlite" else PG_URL, keep=False)
    try:
        app = make_app(database.url)
        with app.app_context():
            began = time.perf_counter()
            seed(args.waiting, args.due)
            seeded = time.perf_counter() - began
            db.session.remove()
        # Nothing due yet: the floor (and the first pass generates the panels' meetings).
        one_pass(app, utcnow() - timedelta(days=1, hours=2))
        warm = one_pass(app, utcnow() - timedelta(days=1, hours=2))
        result = one_pass(app, utcnow())
        with app.app_context():
            plan = due_query_plan(args.db)
            still = db.session.scalar(db.select(db.func.count()).select_from(ProcessInstance)
                                      .where(ProcessInstance.status == InstanceStatus.WAITING))
            db.session.remove()
            db.engine.dispose()
    finally:
        database.cleanup()
    print(f"scheduler pass on {args.db}: {args.waiting:,} waiting cases, {args.due} due "
          f"(seeded in {seeded:.1f} s)")
    print(f"  pass with nothing due: {warm['seconds'] * 1000:.1f} ms, "
          f"{len(warm['statements'])} statements, {warm['loaded']} cases loaded")
    print(f"  pass with {args.due} due:     {result['seconds'] * 1000:.1f} ms, "
          f"{len(result['statements'])} statements, {result['loaded']} case rows loaded "
          f"({result['distinct_loaded']} distinct), {result['fired']} fired; "
          f"{still:,} still waiting")
    print("  plan of the due query:", " / ".join(plan))
    print("  statements of the pass with due work (count × statement):")
    for statement, count in Counter(map(_short, result["statements"])).items():
        print(f"    {count:>3} × {statement}")


if __name__ == "__main__":
    main()
