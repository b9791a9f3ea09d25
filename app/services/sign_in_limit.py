"""The limit on repeated failed sign-ins: at most `limit` failures per key in `window` seconds.

A key is a username or an address (app/web/auth.py). Several gunicorn workers (or machines)
must share one count, or an attacker gets `limit` tries per worker: with PANELFLOW_REDIS_URL
set the failures are kept in Redis; without it, in this process (enough for one worker).
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Protocol

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)
EXTENSION = "sign_in_limit"


class FailureLimit(Protocol):
    def retry_after(self, *keys: str) -> int: ...
    def fail(self, *keys: str) -> None: ...
    def clear(self, *keys: str) -> None: ...


class FailureLimiter:
    """Failures kept in this process's memory."""

    def __init__(self, limit: int = 5, window: float = 900):
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, *keys: str) -> int:
        """Seconds until another attempt is allowed (0 if allowed now)."""
        now = time.monotonic()
        with self._lock:
            waits = [int(self.window - (now - t[0])) + 1 for k in keys
                     if len(t := self._recent(k, now)) >= self.limit]
        return max(waits, default=0)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)

    def clear(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


class RedisFailureLimiter:
    """Failures kept in Redis, shared by every worker: one sorted set of failure times per
    key (a sliding window, as in memory), expiring with the window.

    The wall clock is used (not monotonic) because the times are compared across processes.
    If Redis cannot be reached the process's own count stands in, so sign-in keeps working
    and is still limited per worker, and the outage is logged.
    """

    def __init__(self, url: str, prefix: str, limit: int = 5, window: float = 900):
        self.limit, self.window, self.prefix = limit, window, prefix
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.fallback = FailureLimiter(limit, window)

    def _key(self, key: str) -> str:
        return f"{self.prefix}sign-in:{key}"

    def retry_after(self, *keys: str) -> int:
        now = time.time()
        try:
            pipe = self.client.pipeline()
            for key in keys:
                pipe.zremrangebyscore(self._key(key), "-inf", now - self.window)
                pipe.zcard(self._key(key))
                pipe.zrange(self._key(key), 0, 0, withscores=True)
            replies = pipe.execute()
        except redis.RedisError:
            log.warning("Redis unreachable: counting failed sign-ins in this process only")
            return self.fallback.retry_after(*keys)
        waits = [int(self.window - (now - oldest[0][1])) + 1
                 for count, oldest in zip(replies[1::3], replies[2::3], strict=True)
                 if count >= self.limit and oldest]
        return max(waits, default=0)

    def fail(self, *keys: str) -> None:
        now = time.time()
        try:
            pipe = self.client.pipeline()  # MULTI/EXEC: each failure is counted whole
            for key in keys:
                pipe.zadd(self._key(key), {f"{now}:{uuid.uuid4().hex}": now})
                pipe.expire(self._key(key), int(self.window) + 1)
            pipe.execute()
        except redis.RedisError:
            log.warning("Redis unreachable: counting failed sign-ins in this process only")
            self.fallback.fail(*keys)

    def clear(self, *keys: str) -> None:
        self.fallback.clear(*keys)
        try:
            self.client.delete(*(self._key(key) for key in keys))
        except redis.RedisError:
            log.warning("Redis unreachable: could not clear failed sign-ins")


# The per-process limiter, used when no Redis is configured (tests clear it by key).
MEMORY = FailureLimiter()


def init_app(app: Flask) -> None:
    limit = app.config.get("SIGN_IN_FAILURE_LIMIT", 5)
    window = app.config.get("SIGN_IN_FAILURE_WINDOW_SECONDS", 900)
    url = app.config.get("REDIS_URL")
    if url:
        limiter: FailureLimit = RedisFailureLimiter(
            url, app.config.get("REDIS_PREFIX", "panelflow:"), limit, window)
    elif (limit, window) == (MEMORY.limit, MEMORY.window):
        limiter = MEMORY
    else:
        limiter = FailureLimiter(limit, window)
    app.extensions[EXTENSION] = limiter


def limiter() -> FailureLimit:
    """The app's limiter: Redis when configured, this process's memory otherwise."""
    return current_app.extensions[EXTENSION]
