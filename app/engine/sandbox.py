"""Restricted evaluation for the Python that diagrams carry.

Gateway conditions, timer expressions, `assignTo`, DMN cells and script tasks are written by
process owners, so they must not reach files, the environment, the database or the network.
SpiffWorkflow's default environment runs arbitrary Python with the app's privileges; this one
checks the source first and only then compiles it (compiled code is cached per source).

Blocked when checking the source (an allow-list of syntax nodes):
- import, def, lambda, class, while, try, with, global/nonlocal, async/await, yield, return,
  match, assert, annotated assignment;
- any name, attribute or keyword argument starting with "_" (`().__class__...`, `__import__`);
- the attributes `format`, `format_map` (`"{0.__class__}".format(x)`), `mro`, and those reaching
  frames or code (`gi_*`, `cr_*`, `ag_*`, `f_*`, `tb_*`, `co_*`); assigning or deleting
  attributes; `**kwargs` unpacking; f-string format specs that nest fields or pad beyond 1000;
  slice assignment except as a plain `x[a:b] = value`.
Blocked at run time: builtins are a short list (no open, eval, exec, compile, getattr, setattr,
globals, locals, vars, type, __import__, breakpoint, input, help, memoryview, print...), plus the
classes `datetime`, `date`, `timedelta`, `timezone`. `__import__` exists only so datetime's C
code can load `time`/`_strptime`; user code can never name it.

Resource guards (see `SandboxLimits`): `*`, `**`, `<<`, `+`, `%`-formatting, `range`, `round`,
`sum` and the string methods join/replace/translate/ljust/rjust/center/zfill/expandtabs, plus
list.extend and int.to_bytes, refuse results above `max_items` (or `max_int_bits`) before
building them, and charge a per-run budget (`max_total_items`). Results of every call, f-string,
starred display and slice assignment are size-checked afterwards, so growth by repetition in a
loop (`s = f"{s!r}"`, `x[:0] = x`) stops near the limit. Every loop and comprehension iteration
counts against `max_steps`, and the thread's CPU time is checked against `cpu_seconds`.
Not covered here: memory held by keeping many permitted-size values (appending copies of a
large list in a loop), and one C call on permitted data (a set of 100,000 ints that hash alike
runs for minutes with the GIL held) that no check in this process can interrupt. So the app
runs this sandbox in evaluator processes (`evaluator.py`) with a wall-clock limit enforced by
SIGKILL and a memory limit; `make_script_engine()` does that, and `SafeEnvironment` alone is the
in-process layer inside them.

Scripts only store what the workflow serialiser can save: a script leaving a generator, a
`date` or a `timezone` in a variable fails with a message instead of breaking serialisation.

This module wires the parts into SpiffWorkflow's script environment and is the sandbox's
interface: every public name is imported from here. The parts, by concern: `sandbox_checks`
(the syntax allow-list), `sandbox_rewrite` (the rewriting transformer and the compiled-code
cache), `sandbox_guards` (the per-run guards and safe builtins).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import ModuleType
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import panel_hooks, working_days
from app.engine.sandbox_checks import SandboxLimitError, UnsafeExpressionError
from app.engine.sandbox_guards import (
    _SAFE_BUILTINS,
    SAFE_BUILTIN_NAMES,
    SandboxLimits,
    _Run,
)
from app.engine.sandbox_guards import _internal_import as _internal_import  # tests call it
from app.engine.sandbox_rewrite import (
    _GUARD,
    CompiledCache,
    _compile,
    _expression_source,
    _script_source,
    check_expression,
    check_script,
    mentioned_names,
)

__all__ = [
    "HELPERS",
    "SAFE_BUILTIN_NAMES",
    "CompiledCache",
    "SafeEnvironment",
    "SandboxLimitError",
    "SandboxLimits",
    "UnsafeExpressionError",
    "check_expression",
    "check_script",
    "make_script_engine",
    "mentioned_names",
]

# The names every run sees beside its builtins: what the environment offers, not a guard, so
# they are wired here rather than in sandbox_guards.
HELPERS: dict[str, Any] = {
    "datetime": datetime, "date": date, "timedelta": timedelta, "timezone": timezone,
    **working_days.DIAGRAM_HELPERS, **panel_hooks.DIAGRAM_HELPERS}

# --------------------------------------------------------------------------- task data

_STORABLE_SCALARS = (str, int, float, datetime, timedelta, UUID, type(None))  # bool is an int
_STORABLE_KEYS = (str, int, float, type(None))
_MAX_DEPTH = 100


def _unstorable(value: Any, depth: int = 0, seen: set[int] | None = None) -> str | None:
    """What in `value` the workflow serialiser cannot save, or None."""
    if isinstance(value, _STORABLE_SCALARS):
        return None
    if not isinstance(value, list | tuple | set | dict):
        hint = " (store d.isoformat() instead)" if isinstance(value, date) else ""
        return f"a {type(value).__name__}{hint}"
    if depth > _MAX_DEPTH:
        return f"data nested more than {_MAX_DEPTH} levels deep"
    seen = set() if seen is None else seen
    if id(value) in seen:
        return "a container that contains itself"
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, _STORABLE_KEYS):
                return f"a dict key of type {type(key).__name__}"
            if problem := _unstorable(item, depth + 1, seen):
                return problem
    else:
        for item in value:
            if problem := _unstorable(item, depth + 1, seen):
                return problem
    seen.discard(id(value))
    return None


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Runs only checked source, with safe builtins and per-run resource limits.

    `environment_globals` (as in SpiffWorkflow) are trusted extras offered to every run and are
    not checked; prefer none. Task data may shadow a helper (a form field called "date").
    """

    def __init__(self, environment_globals: dict[str, Any] | None = None,
                 limits: SandboxLimits | None = None) -> None:
        super().__init__(environment_globals)
        self.limits = limits or SandboxLimits()

    def _scope(self, context: dict, external_context: dict | None) -> dict[str, Any]:
        run = _Run(self.limits)
        scope = {**HELPERS, **self.globals, **(external_context or {}), **context}
        scope[_GUARD] = run
        scope["__builtins__"] = {**_SAFE_BUILTINS, "range": run.range}
        return scope

    def evaluate(self, expression: str, context: dict,
                 external_context: dict | None = None) -> Any:
        code = _compile(_expression_source(expression), "eval")
        return eval(code, self._scope(context, external_context))  # noqa: S307 - checked AST

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        """Run a script; task data changes only if it succeeds and leaves storable values."""
        code = _compile(_script_source(script), "exec")
        scope = self._scope(context, external_context)
        exec(code, scope)  # noqa: S102 - checked AST above
        hidden = {*self.globals, *(external_context or {})}.difference(context)
        hidden.update(("__builtins__", _GUARD))  # even if task data has keys named so
        updates = {}
        for key, value in scope.items():
            if key in hidden or callable(value) or isinstance(value, ModuleType):
                continue
            if context.get(key, scope) is not value or isinstance(value, list | dict | set):
                problem = _unstorable(value)
                if problem:
                    raise TypeError(f"variable '{key}' holds {problem}, which cannot be saved "
                                    "in task data (keep strings, numbers, lists, dicts, "
                                    "datetime or timedelta)")
            updates[key] = value
        for key in [k for k in context if k not in scope]:
            del context[key]  # removed by a `del` statement in the script
        context.update(updates)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        raise UnsafeExpressionError("service tasks are not supported")


def make_script_engine(limits: SandboxLimits | None = None,
                       isolated: bool = True) -> PythonScriptEngine:
    """The script engine every workflow must use (re-attach it after deserialising): the
    sandbox run in evaluator processes the app can kill (see `evaluator`), or, with
    `isolated=False`, in this process, where one C call cannot be interrupted."""
    if not isolated:
        return PythonScriptEngine(environment=SafeEnvironment(limits=limits))
    from app.engine.evaluator import (  # noqa: PLC0415 - evaluator imports this module
        IsolatedEnvironment,
        SandboxScriptEngine,
    )
    return SandboxScriptEngine(environment=IsolatedEnvironment(limits=limits))
