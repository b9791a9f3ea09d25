# ruff: noqa: E402 - `app` is importable only after the sys.path line below
"""Benchmark: completing one user task over HTTP, against SpiffWorkflow alone, and the inbox.

What it measures, on a fresh database seeded with (by default) 100,000 open tasks across
20,000 instances of `bench/processes/bench_parallel.bpmn` (a parallel fan-out to 5 user tasks)
and 200 social workers:

1. HTTP completion: `POST /api/v1/tasks/<id>/complete` through Flask's test client, one task
   per instance, each by the user it is assigned to (the whole request: token check, row lock,
   form validation, workflow load, engine step, save, history, commit, response).
2. The same step in SpiffWorkflow alone, in memory: (a) "engine step only" on an already loaded
   workflow (`task.data.update`, `task.run()`, `wf.do_engine_steps()`), and (b) "engine
   round-trip": `workflows.loads` + the step + `workflows.dumps`, the engine work each request
   must do at the least.
3. The inbox query for random users, page 1 of 50, exactly as `GET /api/v1/tasks` runs it
   (`tasks.inbox(user, "all", …)` where the app has it, else `paginate(tasks.inbox_query(user,
   "all"), 1, 50)`: a COUNT plus a LIMIT 50 select), with the plan of every statement it issues.
4. Where the HTTP time goes: SQL statements per completion, and a cProfile of a few dozen
   completions (top cumulative costs and self time by package).

The targets are "completion within 3x the in-memory engine step" and "inbox query under 20 ms";
the summary says PASS or FAIL for each.

Run (SQLite in a temporary directory by default; under a minute on 2 cores either way):

    .venv/bin/python bench/complete_task.py
    .venv/bin/python bench/complete_task.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/panelflow_bench

Options: --instances 20000 --tasks-per-instance 5 --users 200 --samples 300 --inbox-runs 200
--profile 50 --unassigned-every 10 --seed 1 --keep (keep the database) --sqlite-analyze
--timings-json PATH. A PostgreSQL database named in the URL is dropped and created afresh,
then VACUUM ANALYZEd after seeding (as autovacuum would soon do), and dropped at the end.

This file is the command line and the order of the run; the work is in bench/seeding.py (the
database), bench/timing.py (the measurements) and bench/reporting.py (the summary).
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # run as a script: make `app` and `bench` importable
    sys.path.insert(0, str(ROOT))

from app.extensions import db
from bench.diagram import DEFAULT_TASKS, PROCESS_KEY, build_diagram
from bench.reporting import banner, describe, summary
from bench.seeding import PROCESSES_DIR, fresh_database, make_app, seed
from bench.timing import (
    WARMUP,
    EngineSampler,
    Results,
    explain_inbox,
    inbox_api,
    issue_tokens,
    measure_completion,
    measure_inbox,
    measure_inbox_http,
    pick_jobs,
    profile_completions,
    sql_census,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--tasks-per-instance", type=int, default=DEFAULT_TASKS)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--samples", type=int, default=300,
                        help="timed completions (and in-memory engine steps)")
    parser.add_argument("--inbox-runs", type=int, default=200)
    parser.add_argument("--profile", type=int, default=50,
                        help="completions for the SQL census and for cProfile (0: skip both)")
    parser.add_argument("--unassigned-every", type=int, default=10,
                        help="every Nth instance's tasks are left unassigned, claimable by "
                             "any social worker (0: none)")
    parser.add_argument("--database-url", help="postgresql+psycopg://…/<name>; default: SQLite")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--sqlite-analyze", action="store_true",
                        help="run ANALYZE on SQLite after seeding (PostgreSQL always gets "
                             "VACUUM ANALYZE)")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument("--timings-json", type=Path,
                        help="also write every raw timing (seconds) to this JSON file")
    args = parser.parse_args(argv)
    if min(args.instances, args.tasks_per_instance, args.users, args.samples,
           args.inbox_runs) < 1 or args.profile < 0:
        parser.error("counts must be positive")
    return args


def processes_dir_for(tasks: int) -> tuple[Path, Path | None]:
    """bench/processes for the default 5 tasks; otherwise a generated diagram in a temp dir."""
    if tasks == DEFAULT_TASKS:
        if (PROCESSES_DIR / f"{PROCESS_KEY}.bpmn").read_text() != build_diagram(DEFAULT_TASKS):
            print("note: bench/processes/bench_parallel.bpmn differs from bench/diagram.py")
        return PROCESSES_DIR, None
    directory = Path(tempfile.mkdtemp(prefix="panelflow-bench-bpmn-"))
    (directory / f"{PROCESS_KEY}.bpmn").write_text(build_diagram(tasks))
    return directory, directory


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    processes_dir, generated = processes_dir_for(args.tasks_per_instance)
    database = fresh_database(args.database_url, args.keep)
    began = time.perf_counter()
    try:
        banner(f"setup: {database.dialect}")
        app = make_app(database, processes_dir)
        seeded = seed(app, args, processes_dir, rng)
        results = Results()
        jobs = pick_jobs(seeded, WARMUP + args.samples + 2 * args.profile, args.users, rng)
        tokens = issue_tokens(app, {job.username for job in jobs})

        banner("completion: HTTP, and SpiffWorkflow alone in memory (interleaved)")
        xml = (processes_dir / f"{PROCESS_KEY}.bpmn").read_text()
        engine = EngineSampler(xml, seeded.workflow_json, args.tasks_per_instance, rng)
        results.http, results.engine_step, results.engine_round_trip = measure_completion(
            app, jobs[:WARMUP + args.samples], tokens, engine)
        print(f"HTTP complete:     {describe(results.http)}")
        print(f"engine step only:  {describe(results.engine_step)}")
        print(f"engine round-trip: {describe(results.engine_round_trip)}", flush=True)

        banner("inbox query")
        results.inbox = measure_inbox(app, seeded.user_ids, args.inbox_runs, rng)
        print(f"{inbox_api()}: {describe(results.inbox)}")
        results.inbox_http = measure_inbox_http(app, tokens, min(args.inbox_runs, 50), rng)
        print(f"GET /api/v1/tasks:      {describe(results.inbox_http)}")
        print(explain_inbox(app, seeded.usernames[1 % args.users]), flush=True)

        if args.profile:
            banner("where the completion time goes")
            rest = jobs[WARMUP + args.samples:]
            (results.statements_per_completion, results.sql_ms_per_completion,
             results.census_ms_per_completion) = sql_census(app, rest[:args.profile], tokens)
            print(f"{results.statements_per_completion:.1f} SQL statements per completion, "
                  f"{results.sql_ms_per_completion:.2f} ms in cursor.execute of "
                  f"{results.census_ms_per_completion:.2f} ms")
            print(profile_completions(app, rest[args.profile:], tokens, database.dialect))

        if args.timings_json:
            args.timings_json.write_text(json.dumps({
                "http": results.http, "engine_step": results.engine_step,
                "engine_round_trip": results.engine_round_trip, "inbox": results.inbox,
                "inbox_http": results.inbox_http}))
        banner("SUMMARY")
        print(summary(args, database, seeded, results))
        print(f"\n(total run {time.perf_counter() - began:.0f} s)")
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        database.cleanup()
        if generated is not None:
            shutil.rmtree(generated, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
