# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: does a step cost more, and the stored case weigh more, as a case ages?

A one-task loop diagram (start → "Weekly note" → gateway → back to the note, or end when the
note says "stop") is deployed through the API by the process owner, one case is started, and
its note is completed `--iterations` times (300) over HTTP (Flask's test client, bearer
tokens, the whole request). It prints the median completion time of the first 20 and the last
20 iterations and the stored `workflow_json` size after the first and the last, with the two
targets of issue 17: last-20 ≤ 1.5x first-20, size after 300 ≤ 3x size after 1.

It then prints the same for a real pathway: a year (`--weeks`, 52) of Placement Forum Part 3
weekly tracking of an unregistered place, with the clock moved by time-machine: each week the
social worker's update, the tracker log, the meeting (its timer fired by `flask run-due`), the
chair's record and the Executive Director's decision. "Iterations" there are the completions
(four a week); the sizes are after the first week and after the last.

    .venv/bin/python bench/loop_growth.py --db sqlite
    .venv/bin/python bench/loop_growth.py --db postgresql   # 127.0.0.1:5432, database recreated

Times are wall-clock on a shared machine: compare medians, never single runs.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade

from app import create_app
from app.demo import seed
from app.extensions import db
from app.models import ProcessInstance, User
from app.services.auth import issue_token
from app.services.deployment import deploy_directory
from bench.complete_task import fresh_database

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/panelflow_loop_bench"
KEY = "loop_growth"
WINDOW = 20
TIME_FACTOR, SIZE_FACTOR = 1.5, 3.0

LOOP_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://panelflow.test/bpmn">
<bpmn:process id="{KEY}" name="Loop growth" isExecutable="true">
  <bpmn:laneSet id="lanes"><bpmn:lane id="lane_sw" name="Social Worker">
    <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>note</bpmn:flowNodeRef>
    <bpmn:flowNodeRef>again</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
  </bpmn:lane></bpmn:laneSet>
  <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
  <bpmn:userTask id="note" name="Weekly note"><bpmn:extensionElements>
    <spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="bench/note.schema.json"/>
    </spiffworkflow:properties></bpmn:extensionElements>
    <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f3</bpmn:incoming>
    <bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
  <bpmn:exclusiveGateway id="again" default="f3"><bpmn:incoming>f2</bpmn:incoming>
    <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
  <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="note"/>
  <bpmn:sequenceFlow id="f2" sourceRef="note" targetRef="again"/>
  <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="note"/>
  <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="end">
    <bpmn:conditionExpression>note == "stop"</bpmn:conditionExpression></bpmn:sequenceFlow>
</bpmn:process></bpmn:definitions>
"""


def _client(app, username: str):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        token, _ = issue_token(user)
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    return client, headers


def _stored_size(app, instance_id: str) -> int:
    with app.app_context():
        size = len(db.session.scalar(db.select(ProcessInstance.workflow_json)
                                     .where(ProcessInstance.id == instance_id)))
        db.session.remove()
        return size


def _app(database_url: str, forms: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "DEPLOY_ON_START": False,
                      "RUN_SCHEDULER": False, "PANELFLOW_ENV": "testing",
                      "FAST_PASSWORD_HASHES": True, "PROCESSES_DIR": str(ROOT / "processes"),
                      "FORMS_DIR": str(forms),
                      "TOKEN_TTL_HOURS": 24 * 800})  # the clock jumps a year: sign in once
    logging.getLogger("app.requests").setLevel(logging.WARNING)  # one line per request
    return app


def run(database_url: str, iterations: int) -> dict:
    forms = Path(tempfile.mkdtemp(prefix="panelflow-loop-forms-"))
    shutil.copytree(ROOT / "forms", forms, dirs_exist_ok=True)
    shutil.copytree(BENCH_DIR / "forms", forms, dirs_exist_ok=True)
    app = _app(database_url, forms)
    try:
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            seed(ROOT / "processes", "loop-bench-password")
            db.session.commit()
        owner, owner_headers = _client(app, "process_owner")
        deployed = owner.post(f"/api/v1/process-models/{KEY}/versions", data=LOOP_XML,
                              headers=owner_headers, content_type="application/xml")
        assert deployed.status_code in (200, 201), deployed.get_data(as_text=True)
        sw, headers = _client(app, "social_worker")
        started = sw.post("/api/v1/process-instances", headers=headers, json={
            "process_model": KEY, "subject": {"child_ref": "C-LOOP", "name": "Loop Child"},
            "data": {}})
        assert started.status_code == 201, started.json
        instance = started.json
        times, sizes = [], {}
        for number in range(1, iterations + 1):
            [task] = [t for t in instance["tasks"] if t["status"] == "ready"]
            began = time.perf_counter()
            response = sw.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                               json={"data": {"note": f"week {number}"}})
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.json
            instance = response.json["instance"]
            if number in (1, iterations):
                sizes[number] = _stored_size(app, instance["id"])
        return {"first": statistics.median(times[:WINDOW]),
                "last": statistics.median(times[-WINDOW:]),
                "size_first": sizes[1], "size_last": sizes[iterations]}
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(forms, ignore_errors=True)


PF3_ROLES = {"record_placement": "team_manager", "notify_ofsted": "panel_administrator",
             "sw_update": "social_worker", "update_tracker": "panel_administrator",
             "record_tracking": "panel_chair", "exec_decision": "executive_director"}
PF3_ANSWERS = ROOT / "tests" / "pathways" / "placement_forum_3_samples.json"


def run_tracking(database_url: str, weeks: int) -> dict:
    """A year of Placement Forum Part 3 weekly tracking, completion by completion."""
    answers = json.loads(PF3_ANSWERS.read_text())
    forms = Path(tempfile.mkdtemp(prefix="panelflow-loop-forms-"))
    shutil.copytree(ROOT / "forms", forms, dirs_exist_ok=True)
    start = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        app = _app(database_url, forms)
        try:
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
                seed(ROOT / "processes", "loop-bench-password")
                db.session.commit()
                deploy_directory(ROOT / "processes")
                db.session.commit()
            clients = {role: _client(app, role) for role in set(PF3_ROLES.values())}
            tm, headers = clients["team_manager"]
            started = tm.post("/api/v1/process-instances", headers=headers, json={
                "process_model": "placement_forum_3", "data": {},
                "subject": {"child_ref": "C-LOOP3", "name": "Tracked Child"}})
            assert started.status_code == 201, started.json
            instance = started.json
            times: list[float] = []

            def complete(name: str, sample: str | None = None) -> None:
                nonlocal instance
                [task] = [t for t in instance["tasks"]
                          if t["name"] == name and t["status"] == "ready"]
                client, auth = clients[PF3_ROLES[name]]
                began = time.perf_counter()
                response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=auth,
                                       json={"data": answers[sample or name]})
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, response.json
                instance = response.json["instance"]

            complete("record_placement")
            complete("notify_ofsted")
            del times[:]  # the weekly cycle only
            sizes = {}
            meeting = instance["data"]["tracking_meeting_date"]
            for week in range(1, weeks + 1):
                complete("sw_update")
                complete("update_tracker")
                clock.move_to(datetime.fromisoformat(f"{meeting}T12:01:00+00:00"))
                fired = app.test_cli_runner().invoke(args=["run-due"])
                assert fired.exit_code == 0, fired.output
                instance = tm.get(f"/api/v1/process-instances/{instance['id']}",
                                  headers=headers).json
                following = instance["listing"]["starts_at"][:10]
                clock.move_to(datetime.fromisoformat(f"{meeting}T12:01:00+00:00")
                              + timedelta(days=week % 5))  # recorded on different days
                complete("record_tracking",
                         "record_tracking__ended" if week == weeks else "record_tracking")
                complete("exec_decision")
                if week in (1, weeks):
                    sizes[week] = _stored_size(app, instance["id"])
                meeting = following
            assert instance["status"] == "completed", instance["status"]
            return {"first": statistics.median(times[:WINDOW]),
                    "last": statistics.median(times[-WINDOW:]),
                    "size_first": sizes[1], "size_last": sizes[weeks],
                    "completions": len(times)}
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            shutil.rmtree(forms, ignore_errors=True)


def _report(title: str, result: dict, last_label: str) -> None:
    time_ratio = result["last"] / result["first"]
    size_ratio = result["size_last"] / result["size_first"]
    print(title)
    print(f"  median completion, first {WINDOW}: {result['first'] * 1000:.2f} ms")
    print(f"  median completion, last {WINDOW}:  {result['last'] * 1000:.2f} ms "
          f"({time_ratio:.2f}x; target <= {TIME_FACTOR}x: "
          f"{'PASS' if time_ratio <= TIME_FACTOR else 'FAIL'})")
    print(f"  stored workflow_json after 1: {result['size_first']:,} bytes; after "
          f"{last_label}: {result['size_last']:,} bytes ({size_ratio:.1f}x; target <= "
          f"{SIZE_FACTOR}x: {'PASS' if size_ratio <= SIZE_FACTOR else 'FAIL'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    database = fresh_database(None if args.db == "sqlite" else PG_URL, keep=False)
    try:
        result = run(database.url, args.iterations)
    finally:
        database.cleanup()
    _report(f"loop of one task, {args.iterations} completions over HTTP on {args.db}", result,
            str(args.iterations))
    database = fresh_database(None if args.db == "sqlite" else PG_URL, keep=False)
    try:
        tracking = run_tracking(database.url, args.weeks)
    finally:
        database.cleanup()
    _report(f"Placement Forum Part 3, {args.weeks} weeks of tracking ({tracking['completions']} "
            f"completions over HTTP) on {args.db}", tracking, f"week {args.weeks}")


if __name__ == "__main__":
    main()
