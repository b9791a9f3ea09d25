"""Diagram code runs in evaluator processes that the app can kill.

The sandbox's checks stop most abuse inside the interpreter, but one C call on permitted data
(building a set of 100,000 ints that hash alike) runs for minutes with the GIL held, and no
thread, signal or trace hook in the app can stop it. So every evaluation (conditions, scripts,
timer expressions, `dueDate`, `assignTo`, loop cardinality) is sent with the data it names to
one of a small pool of long-lived evaluator processes (`evaluator_child.py`). Each has a memory
limit (RLIMIT_AS), no database and no Flask. If the answer is not back within
`Settings.timeout_seconds` the app SIGKILLs the evaluator, starts another, and raises
`SandboxLimitError`, which fails the step: the case is marked `error` with that message.

What crosses: the request carries only the variables the source mentions (code reaches data
only by name: no `globals()`, `vars()` or `getattr`), the engine's "now" and the council's
closure days; the answer is the value (an expression) or those variables as the script left
them. Answers are read with a restricted unpickler (`ipc.load_untrusted`). The helpers that need
the app (`list_on_panel`, `begin_pathway`, ...) are asked of the app over the pipe while the
code waits, and run here, in the step's transaction; their time does not count against the
evaluation's limit, but each run may ask at most `max_hook_calls` of them.

`time_box` bounds a whole engine run (one step may run many scripts, or loop): every
evaluation gets at most what is left of it, and `check_time_box` stops the engine between tasks.
"""
from __future__ import annotations

import atexit
import contextvars
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask

from app.engine import clock, ipc, panel_hooks, working_days
from app.engine.sandbox import (
    SafeEnvironment,
    SandboxLimitError,
    SandboxLimits,
    UnsafeExpressionError,
    _expression_source,
    _script_source,
    mentioned_names,
)

CHILD = Path(__file__).with_name("evaluator_child.py")
ROOT = CHILD.parents[2]
HOOKS = {"list_on_panel": panel_hooks.list_on_panel,
         "latest_decision": panel_hooks.latest_decision,
         "minutes_distributed": panel_hooks.minutes_distributed,
         "begin_pathway": panel_hooks.begin_pathway, "make_letter": panel_hooks.make_letter}
KNOWN_ERRORS = {"UnsafeExpressionError": UnsafeExpressionError,
                "SandboxLimitError": SandboxLimitError}


@dataclass
class Settings:
    """Set from the app's config by `configure` (see app/config.py for the keys)."""

    timeout_seconds: float = 5.0  # wall-clock time of one evaluation
    memory_mb: int = 512  # address space of each evaluator process
    pool_size: int = 2  # idle evaluators kept ready
    step_seconds: float = 30.0  # one engine run (a step, a start, a timer) in all
    max_instances: int = 100  # multi-instance cardinality or collection size
    max_code_items: int = 500  # pieces of code in one diagram (checked by validation)
    max_script_chars: int = 20_000  # characters of one piece of code
    max_code_chars: int = 200_000  # characters of all a diagram's code together
    max_hook_calls: int = 100  # helper calls to the app in one evaluation
    max_answer_bytes: int = 32 * 1024 * 1024
    start_seconds: float = 60.0  # an evaluator's start-up (imports), not counted above


SETTINGS = Settings()


def configure(**values: Any) -> None:
    names = {f.name for f in fields(Settings)}
    for key, value in values.items():
        if key not in names:
            raise TypeError(f"unknown evaluator setting {key}")
        if value is not None:
            setattr(SETTINGS, key, type(getattr(SETTINGS, key))(value))


# --------------------------------------------------------------------------- time box

_deadline: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "engine_deadline", default=None)


@contextmanager
def time_box(seconds: float | None = None) -> Iterator[None]:
    """Bound everything evaluated in the block (nested boxes keep the earlier deadline)."""
    seconds = SETTINGS.step_seconds if seconds is None else seconds
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None and outer[0] <= deadline:
        yield
        return
    token = _deadline.set((deadline, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def _over_time(seconds: float) -> SandboxLimitError:
    return SandboxLimitError(f"the step ran for more than {seconds:g} seconds and was stopped")


def check_time_box() -> None:
    box = _deadline.get()
    if box is not None and time.monotonic() > box[0]:
        raise _over_time(box[1])


def _allowance() -> tuple[float, SandboxLimitError]:
    """Seconds this evaluation may take, and the error to raise if it takes them."""
    limit = SETTINGS.timeout_seconds
    error = SandboxLimitError(f"took more than {limit:g} seconds and was stopped")
    box = _deadline.get()
    if box is not None:
        left = box[0] - time.monotonic()
        if left <= 0:
            raise _over_time(box[1])
        if left < limit:
            return left, _over_time(box[1])
    return limit, error


# --------------------------------------------------------------------------- processes

# Not the app's secrets (SECRET_KEY, DATABASE_URL): an evaluator needs none of them.
_PASSED_ENVIRONMENT = frozenset({"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT"})


class _Evaluator:
    def __init__(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            [sys.executable, "-I", "-B", str(CHILD), str(ROOT), str(SETTINGS.memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
            env={k: v for k, v in os.environ.items() if k in _PASSED_ENVIRONMENT})
        self.to_child = self.process.stdin.fileno()
        self.from_child = self.process.stdout.fileno()
        os.set_blocking(self.to_child, False)
        os.set_blocking(self.from_child, False)
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        deadline = time.monotonic() + SETTINGS.start_seconds
        hello = ipc.load_untrusted(ipc.read_body(self.from_child, deadline, 1024))
        if not (isinstance(hello, tuple) and hello[:1] == ("ready",)):
            raise ipc.FrameError("the evaluator did not start")
        self.ready = True

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.close()

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass


class Pool:
    """Idle evaluators kept ready; a busy one belongs to one evaluation at a time. There is
    no cap on busy ones (one per thread evaluating), so a slow evaluation never queues
    another user's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Evaluator] = []
        self._pid = os.getpid()
        self.busy = 0  # evaluations under way (for monitoring and the tests)

    def _forked(self) -> None:
        if self._pid != os.getpid():  # a forked server worker: those belong to the parent
            self._idle, self._pid = [], os.getpid()

    def acquire(self) -> _Evaluator:
        with self._lock:
            self._forked()
            self.busy += 1
            if self._idle:
                return self._idle.pop()
        try:
            return _Evaluator()
        except BaseException:
            with self._lock:
                self.busy -= 1
            raise

    def release(self, evaluator: _Evaluator) -> None:
        with self._lock:
            self._forked()
            self.busy -= 1
            if len(self._idle) < SETTINGS.pool_size:
                self._idle.append(evaluator)
                return
        evaluator.kill()

    def discard(self, evaluator: _Evaluator) -> None:
        """Kill a stuck or broken evaluator and start its replacement now, so the next
        evaluation does not wait for the imports."""
        evaluator.kill()
        with self._lock:
            self._forked()
            self.busy -= 1
            wanted = len(self._idle) < SETTINGS.pool_size
        if wanted:
            try:
                replacement = _Evaluator()  # outside the lock: it takes a fork and an exec
            except OSError:
                return  # the next evaluation starts one (and says so if it cannot)
            with self._lock:
                self._idle.append(replacement)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
            owned = self._pid == os.getpid()
        for evaluator in idle:
            if owned:
                evaluator.kill()


POOL = Pool()
atexit.register(POOL.close)


# --------------------------------------------------------------------------- evaluation

def _call_hook(evaluator: _Evaluator, message: tuple) -> None:
    _, name, args, kwargs = message
    try:
        if name not in HOOKS or not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise UnsafeExpressionError(f"no helper called {name!r}")
        reply = ("hook_ok", HOOKS[name](*args, **kwargs))
    except Exception as exc:
        reply = ("hook_error", type(exc).__name__, tuple(
            a if isinstance(a, str | int | float | type(None)) else str(a) for a in exc.args))
    ipc.write_frame(evaluator.to_child, ipc.dump(reply), time.monotonic() + 10)


def _exchange(evaluator: _Evaluator, frame: bytes, seconds: float) -> tuple:
    """Send a request and serve the helper calls until the answer: ("ok", value) or
    ("error", class name, args, script line)."""
    evaluator.wait_ready()
    deadline = time.monotonic() + seconds
    ipc.write_frame(evaluator.to_child, frame, deadline)
    hook_calls = 0
    while True:
        body = ipc.read_body(evaluator.from_child, deadline, SETTINGS.max_answer_bytes)
        message = ipc.load_untrusted(body)
        kind = message[0] if isinstance(message, tuple) and message else None
        if kind == "hook" and len(message) == 4:
            hook_calls += 1
            if hook_calls > SETTINGS.max_hook_calls:
                raise SandboxLimitError(
                    f"called the app's helpers more than {SETTINGS.max_hook_calls} times")
            started = time.monotonic()
            _call_hook(evaluator, message)
            deadline += time.monotonic() - started  # the app's own time is not counted
        elif kind == "ok" and len(message) == 2:
            return message
        elif (kind == "error" and len(message) == 4 and isinstance(message[1], str)
              and isinstance(message[2], tuple)
              and isinstance(message[3], int | type(None))):
            return message
        else:
            raise ipc.FrameError("an answer in no known form")


def _run(op: str, source: str, context: dict, external: dict, limits: SandboxLimits) -> Any:
    mode = "eval" if op == "eval" else "exec"
    names = mentioned_names(source, mode)  # refuses unsafe source before anything is sent
    frame = ipc.dump({
        "op": op, "source": source, "limits": limits,
        "context": {k: context[k] for k in names if k in context},
        "external": {k: external[k] for k in names if k in external and k not in context},
        "now": datetime.fromtimestamp(clock.now().timestamp(), UTC),  # a plain datetime
        "closures": working_days._closures,
    })
    seconds, timeout_error = _allowance()
    evaluator = POOL.acquire()
    try:
        answer = _exchange(evaluator, frame, seconds)
    except ipc.FrameTimeout:
        POOL.discard(evaluator)
        raise timeout_error from None
    except SandboxLimitError:
        POOL.discard(evaluator)
        raise
    except Exception as exc:  # a closed pipe, a refused pickle: the evaluator is no use now
        POOL.discard(evaluator)
        raise SandboxLimitError(
            f"the evaluator stopped unexpectedly ({exc}); the code may have used more than "
            f"{SETTINGS.memory_mb} MB of memory") from None
    if answer[0] == "ok":
        POOL.release(evaluator)
        return answer[1]
    _, name, args, line = answer
    if name == "MemoryError":
        POOL.discard(evaluator)
        raise SandboxLimitError(
            f"used more than {SETTINGS.memory_mb} MB of memory and was stopped")
    POOL.release(evaluator)
    error = ipc.rebuild_exception(name, args, KNOWN_ERRORS)
    error.sandbox_line = line
    raise error


def evaluate(source: str, context: dict, external: dict, limits: SandboxLimits) -> Any:
    return _run("eval", source, context, external, limits)


def execute(source: str, context: dict, external: dict, limits: SandboxLimits) -> None:
    """Run a script on `context` (task data), changing it as running it here would have."""
    names = mentioned_names(source, "exec")
    shipped = {k for k in names if k in context}
    updated = _run("exec", source, context, external, limits)
    if not isinstance(updated, dict):
        raise SandboxLimitError("the evaluator gave no data back")
    for key in shipped.difference(updated):
        del context[key]  # removed by a `del` statement in the script
    context.update(updated)


# --------------------------------------------------------------------------- engine

def check_instances(count: Any, what: str) -> None:
    """Refuse a multi-instance task with more instances than the cap (each is a task the
    engine builds and saves with the case)."""
    if isinstance(count, int) and count > SETTINGS.max_instances:
        raise SandboxLimitError(f"{what} is {count:,}; a multi-instance task may have at most "
                                f"{SETTINGS.max_instances:,} instances")


class IsolatedEnvironment(SafeEnvironment):
    """The sandbox, run in an evaluator process (see the module's docstring)."""

    def _external(self, external_context: dict | None) -> dict:
        return {**self.globals, **(external_context or {})}

    def evaluate(self, expression: str, context: dict,
                 external_context: dict | None = None) -> Any:
        source = _expression_source(expression)
        return evaluate(source, context, self._external(external_context), self.limits)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        source = _script_source(script)
        execute(source, context, self._external(external_context), self.limits)
        return True


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's engine, told the script line an evaluator reported, and refusing
    a loop cardinality over the cap before the engine builds its tasks."""

    def evaluate(self, task, expression, external_context=None):
        value = super().evaluate(task, expression, external_context)
        spec = getattr(task, "task_spec", None)
        if isinstance(spec, MultiInstanceTask) and expression == spec.cardinality:
            try:
                check_instances(value, "the loop cardinality")
            except SandboxLimitError as exc:
                raise WorkflowTaskException(f"Error evaluating expression '{expression}'",
                                            task=task, exception=exc) from exc
        return value

    def get_error_line_number_and_content(self, script, err):
        line = getattr(err, "sandbox_line", None)
        if isinstance(line, int) and 0 < line <= len(script.splitlines()):
            return line, script.splitlines()[line - 1]
        return super().get_error_line_number_and_content(script, err)
