"""The engine's notion of "now", which `flask run-due --as-of` can move.

SpiffWorkflow's timers call `datetime.now(timezone.utc)` inside their own module. To fire
timers as if it were another time (catching up after an outage, or in tests) we swap that
module's `datetime` for a subclass whose `now()` honours a context-local override.
"""
from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

_as_of: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("as_of", default=None)


class _EngineDateTime(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: D102 - same contract as datetime.now
        override = _as_of.get()
        if override is None:
            return super().now(tz)
        return override.astimezone(tz) if tz else override.replace(tzinfo=None)


_spiff_timer.datetime = _EngineDateTime


def now() -> datetime:
    """The current time as the engine sees it (aware, UTC)."""
    return _EngineDateTime.now(UTC)


@contextmanager
def engine_time(as_of: datetime | None) -> Iterator[None]:
    """Run the block with the engine believing it is `as_of` (no-op when None)."""
    if as_of is None:
        yield
        return
    if as_of.tzinfo is None:
        raise ValueError("as_of must carry a time zone")
    token = _as_of.set(as_of.astimezone(UTC))
    try:
        yield
    finally:
        _as_of.reset(token)
