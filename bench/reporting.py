"""Reporting: figures as milliseconds and percentiles, section banners, and the summary with a
PASS or FAIL for each target."""
from __future__ import annotations

import argparse
import math
import statistics

from sqlalchemy import make_url

from bench.seeding import Database, Seeded
from bench.timing import Results, inbox_api

COMPLETION_FACTOR = 3.0
INBOX_TARGET_MS = 20.0


# --------------------------------------------------------------------------------- helpers
def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def describe(values: list[float]) -> str:
    return (f"median {ms(statistics.median(values))}, p95 {ms(p95(values))}, "
            f"min {ms(min(values))}, max {ms(max(values))} (n={len(values)})")


def paired(numerators: list[float], denominators: list[float]) -> float:
    """Median of the ratios of samples taken side by side (robust to machine drift)."""
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def banner(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)




# ---------------------------------------------------------------------------------- report
def summary(args: argparse.Namespace, database: Database, seeded: Seeded,
            results: Results) -> str:
    http = statistics.median(results.http)
    step = statistics.median(results.engine_step)
    trip = statistics.median(results.engine_round_trip)
    inbox = statistics.median(results.inbox)
    completion_ok = http <= COMPLETION_FACTOR * step
    trip_ok = http <= COMPLETION_FACTOR * trip
    inbox_ok = inbox * 1000 < INBOX_TARGET_MS
    inbox_p95_ok = p95(results.inbox) * 1000 < INBOX_TARGET_MS
    lines = [
        f"database           {database.dialect} ({make_url(database.url).render_as_string()})",
        f"data               {args.instances:,} instances x {args.tasks_per_instance} tasks = "
        f"{seeded.open_tasks:,} open tasks, {args.users} users, {seeded.claimable:,} "
        f"unassigned (claimable); seeded in {seeded.seconds:.1f} s",
        f"workflow_json      {len(seeded.workflow_json):,} bytes per instance",
        "",
        f"HTTP complete      {describe(results.http)}",
        f"engine step only   {describe(results.engine_step)}",
        f"engine round-trip  {describe(results.engine_round_trip)}  (loads + step + dumps)",
        f"HTTP / step        {http / step:.1f}x (ratio of medians; median of per-sample "
        f"ratios {paired(results.http, results.engine_step):.1f}x)",
        f"HTTP / round-trip  {http / trip:.1f}x (ratio of medians; median of per-sample "
        f"ratios {paired(results.http, results.engine_round_trip):.1f}x)",
        f"SQL per completion {results.statements_per_completion:.1f} statements, "
        f"{results.sql_ms_per_completion:.2f} ms inside cursor.execute of "
        f"{results.census_ms_per_completion:.2f} ms (commit not included)",
        "",
        f"inbox query        {describe(results.inbox)}  ({inbox_api()})",
        f"inbox over HTTP    {describe(results.inbox_http)}  (GET /api/v1/tasks, for reference)",
        "",
        "Targets: completion within 3x the in-memory engine step; inbox query under 20 ms",
        f"  [{verdict(completion_ok)}] HTTP completion median {ms(http)} vs 3 x engine step "
        f"{ms(COMPLETION_FACTOR * step)} ({http / step:.1f}x"
        + ("" if completion_ok else f"; {ms(http - COMPLETION_FACTOR * step)} over") + ")",
        f"  [{verdict(trip_ok)}] (looser reading) vs 3 x engine round-trip "
        f"{ms(COMPLETION_FACTOR * trip)} ({http / trip:.1f}x"
        + ("" if trip_ok else f"; {ms(http - COMPLETION_FACTOR * trip)} over") + ")",
        f"  [{verdict(inbox_ok)}] inbox query median {ms(inbox)} < {INBOX_TARGET_MS:.0f} ms",
        f"  [{verdict(inbox_p95_ok)}] inbox query p95 {ms(p95(results.inbox))} "
        f"< {INBOX_TARGET_MS:.0f} ms",
    ]
    return "\n".join(lines)
