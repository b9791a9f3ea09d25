"""An evaluator process: runs diagram code sent by the app and sends the answer back.

Started by `app.engine.evaluator` as `python -I -B evaluator_child.py <root> <memory MB>`.
It imports only the engine's sandbox and helpers (no Flask, no database), limits its own
address space, file writes and process creation, and then answers one request at a time on
its stdin/stdout. The diagram helpers that need the app (`list_on_panel`, `begin_pathway`,
`make_letter`, `minutes_distributed`) are asked of the app over the same pipe, so they run
there, in the step's transaction, and the code here gets their answer. If a request takes too
long the app kills this process; nothing here has to cooperate.
"""
from __future__ import annotations

import _strptime  # noqa: F401 - datetime.strptime imports it lazily; load it before the limits
import os
import pickle
import resource
import signal
import sys
import traceback
import types
from collections import Counter
from typing import Any

_PLAIN = (str, int, float, type(None))
MAX_DEPTH = 100
MAX_ALIKE_KEYS = 16  # keys of one dict or set that may share a hash (hash flooding)


def _bootstrap(root: str) -> None:
    """Make `app.engine` importable without running `app/__init__.py` (which loads Flask)."""
    package = types.ModuleType("app")
    package.__path__ = [os.path.join(root, "app")]
    sys.modules["app"] = package


def _limit(memory_mb: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write then fails instead of killing us
    limits = [(resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_CORE, 0)]
    if memory_mb > 0:
        limits.append((resource.RLIMIT_AS, memory_mb * 1024 * 1024))
    for which, value in limits:
        resource.setrlimit(which, (value, value))


def _problem(value: Any, depth: int = 0) -> str | None:
    """What in an answer the app must not rebuild: deep nesting, keys that all hash alike."""
    if depth > MAX_DEPTH:
        return f"data nested more than {MAX_DEPTH} levels deep"
    if isinstance(value, _PLAIN):
        return None
    if isinstance(value, dict | set | frozenset):
        keys = list(value)
        if len(keys) > MAX_ALIKE_KEYS:
            alike = max(Counter(map(hash, keys)).values())
            if alike > MAX_ALIKE_KEYS:
                return f"a {type(value).__name__} with {alike:,} keys that hash alike"
        items = value.values() if isinstance(value, dict) else ()
        for item in (*keys, *items):
            if problem := _problem(item, depth + 1):
                return problem
    elif isinstance(value, list | tuple):
        for item in value:
            if problem := _problem(item, depth + 1):
                return problem
    return None


def _plain_args(exc: BaseException) -> tuple:
    return tuple(a if isinstance(a, _PLAIN) else str(a) for a in exc.args[:4])


def _script_line(exc: BaseException) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<string>":
            line = frame.lineno
    return line


def main() -> None:
    root, memory_mb = sys.argv[1], int(sys.argv[2])
    sys.dont_write_bytecode = True
    _bootstrap(root)
    from app.engine import (  # noqa: PLC0415 - importable only after _bootstrap
        clock,
        ipc,
        panel_hooks,
        sandbox,
        working_days,
    )

    requests_in, answers_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)

    def ask_app(name: str, *args: Any, **kwargs: Any) -> Any:
        ipc.write_frame(answers_out, ipc.dump_plain(("hook", name, args, kwargs)))
        reply = pickle.loads(ipc.read_body(requests_in))  # noqa: S301 - from the app
        if reply[0] == "hook_ok":
            return reply[1]
        raise ipc.rebuild_exception(reply[1], reply[2])

    panel_hooks.configure(
        lambda panel, **kw: ask_app("list_on_panel", panel, **kw),
        lambda meeting_id: ask_app("minutes_distributed", meeting_id),
        lambda process_model, data: ask_app("begin_pathway", process_model, data),
        lambda template, signed_by, values: ask_app("make_letter", template, signed_by, values))
    panel_hooks.configure_decisions(lambda panel: ask_app("latest_decision", panel))
    _limit(memory_mb)
    ipc.write_frame(answers_out, ipc.dump_plain(("ready", os.getpid())))

    while True:
        try:
            request = pickle.loads(ipc.read_body(requests_in))  # noqa: S301 - from the app
        except ipc.FrameError:
            return  # the app closed the pipe: it is done with us
        answer = _answer(request, clock, sandbox, working_days)
        try:
            frame = ipc.dump_plain(answer)
        except MemoryError:
            frame = ipc.dump_plain(("error", "MemoryError", (), None))
        except Exception as exc:  # an answer pickle cannot carry (a generator, a function)
            frame = ipc.dump_plain(("error", "TypeError", (
                f"the code gives a value that cannot be used here ({exc})",), None))
        ipc.write_frame(answers_out, frame)


def _answer(request: dict, clock, sandbox, working_days) -> tuple:
    working_days._closures = request["closures"]
    env = sandbox.SafeEnvironment(limits=request["limits"])
    context, external = request["context"], request["external"]
    try:
        with clock.engine_time(request["now"]):
            if request["op"] == "eval":
                result = env.evaluate(request["source"], context, external)
            else:
                env.execute(request["source"], context, external)
                result = context
        problem = _problem(result)
        if problem:
            return ("error", "SandboxLimitError", (f"the result holds {problem}",), None)
        return ("ok", result)
    except MemoryError:
        return ("error", "MemoryError", (), None)
    except Exception as exc:  # the diagram's own error, sent back to be raised in the app
        return ("error", type(exc).__name__, _plain_args(exc), _script_line(exc))


if __name__ == "__main__":
    main()
