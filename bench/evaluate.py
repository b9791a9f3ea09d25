# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: what running diagram code in evaluator processes costs a step.

Compares, interleaved sample by sample so that load on a shared machine hits both alike,
the sandbox in the app's process (`make_script_engine(isolated=False)`, before issue 15) and
in an evaluator process (`make_script_engine()`, now):

1. one condition (`outcome == "wait"`) evaluated;
2. one script (`count = len(items) + 1`) executed on a task's data;
3. a whole engine step in memory on `tests.diagrams.two_step` with a script task: complete
   the first user task, run the script, reach the second (2 evaluations: assignTo and dueDate
   are the app's and not part of the engine step).

Run: .venv/bin/python bench/evaluate.py [--samples 500]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine.parsing import parse_model
from app.engine.sandbox import make_script_engine
from tests.diagrams import two_step

ENGINES = {"in-process": make_script_engine(isolated=False), "evaluator": make_script_engine()}
MODEL = parse_model(two_step("bench_eval", script="count = len(items) + 1"))
DATA = {"outcome": "wait", "items": list(range(20)), "note": "x" * 200, "subject": {"a": 1}}


def condition(engine) -> None:
    engine.environment.evaluate('outcome == "wait"', dict(DATA))


def script(engine) -> None:
    engine.environment.execute("count = len(items) + 1", dict(DATA))


def step(engine) -> float:
    workflow = BpmnWorkflow(MODEL.spec, MODEL.subprocess_specs, script_engine=engine)
    workflow.do_engine_steps()
    [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    started = time.perf_counter()
    task.data.update(DATA)
    task.run()
    workflow.do_engine_steps()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    for engine in ENGINES.values():  # warm up (starts the evaluator processes)
        condition(engine), script(engine), step(engine)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.samples):
        for name, engine in ENGINES.items():
            for label, run in (("condition", condition), ("script", script)):
                started = time.perf_counter()
                run(engine)
                times.setdefault((label, name), []).append(time.perf_counter() - started)
            times.setdefault(("engine step", name), []).append(step(engine))
    print(f"{'ms, median (p95)':<22}" + "".join(f"{n:>22}" for n in ENGINES))
    for label in ("condition", "script", "engine step"):
        cells = []
        for name in ENGINES:
            values = sorted(times[(label, name)])
            p95 = values[int(len(values) * 0.95) - 1]
            cells.append(f"{statistics.median(values) * 1000:.3f} ({p95 * 1000:.3f})")
        print(f"{label:<22}" + "".join(f"{c:>22}" for c in cells))


if __name__ == "__main__":
    main()
