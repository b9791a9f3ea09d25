"""The evaluator processes: what crosses the pipe, the limits, and what the app keeps doing."""
from __future__ import annotations

import os
import pickle
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from app.engine import evaluator, ipc
from app.engine.sandbox import SandboxLimitError, UnsafeExpressionError, make_script_engine

env = make_script_engine().environment


@pytest.fixture
def fresh_pool(monkeypatch):
    """Evaluators started with the settings a test sets (the memory limit is set at start)."""
    evaluator.POOL.close()
    yield
    evaluator.POOL.close()


def test_a_script_changes_task_data_as_it_would_in_process():
    data = {"items": [1], "gone": 1, "kept": "x", "when": datetime(2027, 1, 1, tzinfo=UTC)}
    env.execute("items.append(2)\ndel gone\nlater = when + timedelta(days=1)\n"
                "zone = datetime(2027, 6, 1, tzinfo=timezone.utc).isoformat()", data)
    assert data == {"items": [1, 2], "kept": "x", "when": datetime(2027, 1, 1, tzinfo=UTC),
                    "later": datetime(2027, 1, 2, tzinfo=UTC),
                    "zone": "2027-06-01T00:00:00+00:00"}


def test_values_of_the_kinds_task_data_holds_come_back():
    london = datetime(2027, 1, 1, 9, tzinfo=ZoneInfo("Europe/London"))
    uid = UUID(int=7)
    assert env.evaluate("(t, u, d, s)", {"t": london, "u": uid, "d": timedelta(3), "s": {1}}) \
        == (london, uid, timedelta(3), {1})


def test_only_the_names_the_code_mentions_are_sent():
    # An unpicklable value the code does not name does not stop the evaluation.
    assert env.evaluate("a + 1", {"a": 1, "other": lambda: None}) == 2


def test_unsafe_source_is_refused_before_anything_is_sent():
    busy = evaluator.POOL.busy
    with pytest.raises(UnsafeExpressionError, match="names starting with '_'"):
        env.evaluate("().__class__", {})
    assert evaluator.POOL.busy == busy


def test_the_app_keeps_its_helpers_and_the_evaluator_asks_for_them(monkeypatch):
    calls = []

    def list_on_panel(panel, **kwargs):
        calls.append((os.getpid(), panel, kwargs["field"]))
        return "2027-02-03"

    monkeypatch.setitem(evaluator.HOOKS, "list_on_panel", list_on_panel)
    data = {}
    env.execute('meeting = list_on_panel("marp", field="meeting")', data)
    assert data == {"meeting": "2027-02-03"}
    assert calls == [(os.getpid(), "marp", "meeting")]  # it ran here, in the app's process


def test_a_helpers_error_fails_the_script(monkeypatch):
    def refuse(panel, **kwargs):
        raise ValueError(f"no meeting of {panel}")

    monkeypatch.setitem(evaluator.HOOKS, "list_on_panel", refuse)
    with pytest.raises(ValueError, match="no meeting of marp"):
        env.execute('meeting = list_on_panel("marp")', {})


def test_an_evaluation_over_the_limit_is_killed_and_the_next_one_runs(monkeypatch):
    monkeypatch.setattr(evaluator.SETTINGS, "timeout_seconds", 0.5)
    started = time.monotonic()
    with pytest.raises(SandboxLimitError, match="took more than 0.5 seconds"):
        env.evaluate("len(set([i * 2305843009213693951 for i in range(100000)]))", {})
    assert time.monotonic() - started < 5
    assert env.evaluate("1 + 1", {}) == 2


def test_an_evaluation_over_the_memory_limit_is_stopped(monkeypatch, fresh_pool):
    monkeypatch.setattr(evaluator.SETTINGS, "memory_mb", 80)
    with pytest.raises(SandboxLimitError, match="more than 80 MB of memory"):
        env.evaluate("len([[0] * 999999 for i in range(9)])", {})
    assert env.evaluate("1 + 1", {}) == 2


def test_a_result_whose_keys_hash_alike_does_not_come_back():
    with pytest.raises(SandboxLimitError, match="3,000 keys that hash alike"):
        env.execute("s = set([i * 2305843009213693951 for i in range(3000)])", {})


def test_a_time_box_bounds_all_the_evaluations_in_it(monkeypatch):
    with evaluator.time_box(0.0), pytest.raises(SandboxLimitError, match="the step ran"):
        env.evaluate("1 + 1", {})


def test_answers_may_name_no_other_class_or_function():
    for forbidden in (os.system, pickle.loads, ZoneInfo.__subclasses__):
        with pytest.raises(pickle.UnpicklingError, match="may not cross"):
            ipc.load_untrusted(pickle.dumps(forbidden))
    with pytest.raises(pickle.UnpicklingError):
        ipc.load_untrusted(pickle.dumps(datetime(2027, 1, 1, tzinfo=ZoneInfo("Europe/London"))))


def test_an_evaluator_holds_none_of_the_apps_secrets(monkeypatch, fresh_pool):
    monkeypatch.setenv("SECRET_KEY", "not-for-diagrams")
    evaluator_process = evaluator._Evaluator()
    try:
        evaluator_process.wait_ready()
        with open(f"/proc/{evaluator_process.process.pid}/environ", "rb") as environ:
            assert b"not-for-diagrams" not in environ.read()
    finally:
        evaluator_process.kill()
