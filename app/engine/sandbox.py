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
"""
from __future__ import annotations

import ast
import builtins
import copy
import math
import textwrap
import threading
import time
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from types import CodeType, ModuleType
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from app.engine import panel_hooks, working_days

__all__ = [
    "HELPERS",
    "SAFE_BUILTIN_NAMES",
    "SafeEnvironment",
    "SandboxLimitError",
    "SandboxLimits",
    "UnsafeExpressionError",
    "check_expression",
    "check_script",
    "make_script_engine",
]

MAX_SOURCE_CHARS = 100_000
MAX_FORMAT_WIDTH = 1_000  # widths/precisions in %-formats and f-strings, and round() digits
_GUARD = "_sandbox"  # the per-run guard object; unreachable because users cannot write "_..."


class UnsafeExpressionError(ValueError):
    """The source uses something the sandbox does not allow."""


class SandboxLimitError(UnsafeExpressionError):
    """A run tried to build too much data or ran too long."""


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run resource limits; generous for deadline arithmetic and small scripts."""

    max_items: int = 1_000_000  # items or characters one operation may produce
    max_total_items: int = 10_000_000  # all guarded operations of one run together
    max_int_bits: int = 100_000  # size of ints built by *, ** and <<
    max_steps: int = 1_000_000  # loop and comprehension iterations per run
    cpu_seconds: float = 2.0  # CPU time of the running thread per run


# --------------------------------------------------------------------------- source checks

_ALLOWED_NODES = (
    ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Delete,
    ast.Name, ast.Load, ast.Store, ast.Del, ast.Constant, ast.Attribute, ast.Subscript,
    ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Starred, ast.BinOp, ast.UnaryOp,
    ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword, ast.NamedExpr,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.If, ast.For, ast.Pass, ast.Break, ast.Continue, ast.Raise,
    ast.JoinedStr, ast.FormattedValue,
    ast.operator, ast.unaryop, ast.boolop, ast.cmpop,
)
_FORBIDDEN_ATTRIBUTES = {
    "format": "the attribute 'format' is not allowed (use an f-string)",
    "format_map": "the attribute 'format_map' is not allowed (use an f-string)",
    "mro": "the attribute 'mro' is not allowed",
}
_FORBIDDEN_ATTRIBUTE_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_")
_DESCRIBE = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Lambda: "lambda",
    ast.FunctionDef: "function definitions (def)",
    ast.AsyncFunctionDef: "function definitions (def)", ast.ClassDef: "class definitions",
    ast.While: "while loops (use for ... in range(...))", ast.Try: "try/except",
    ast.TryStar: "try/except", ast.Global: "global", ast.Nonlocal: "nonlocal",
    ast.With: "with", ast.AsyncWith: "with", ast.AsyncFor: "async for", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Return: "return", ast.Assert: "assert",
    ast.AnnAssign: "annotated assignments", ast.Match: "match statements",
}
_GUARDED_BINOPS = {ast.Add: "add", ast.Mult: "mul", ast.Pow: "pow", ast.LShift: "lshift",
                   ast.Mod: "mod"}
_DIGITS = "0123456789"


def _too_wide(digits: str) -> bool:
    digits = digits.lstrip("0")
    return len(digits) > 6 or (digits != "" and int(digits) > MAX_FORMAT_WIDTH)


def _spec_problem(spec: ast.expr) -> str | None:
    """f"{x:>999999999}" would build a huge string; nested fields would hide the width."""
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    for part in parts:
        if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
            return "f-string format specs may not contain {fields}"
        run = ""
        for char in part.value + " ":
            if char in _DIGITS:
                run += char
                continue
            if _too_wide(run):
                return f"f-string widths above {MAX_FORMAT_WIDTH} are not allowed"
            run = ""
    return None


def _is_slice_store(node: ast.AST) -> bool:
    return (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice)
            and not isinstance(node.ctx, ast.Load))


def _node_problem(node: ast.AST) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        what = _DESCRIBE.get(type(node), type(node).__name__)
        return f"{what} is not allowed"
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        return f"names starting with '_' are not allowed: {node.id}"
    if isinstance(node, ast.keyword):
        if node.arg is None:
            return "**keyword unpacking is not allowed"
        if node.arg.startswith("_"):
            return f"names starting with '_' are not allowed: {node.arg}"
    if isinstance(node, ast.Attribute):
        attr = node.attr
        if attr.startswith("_"):
            return f"names starting with '_' are not allowed: {attr}"
        if attr in _FORBIDDEN_ATTRIBUTES:
            return _FORBIDDEN_ATTRIBUTES[attr]
        if attr.startswith(_FORBIDDEN_ATTRIBUTE_PREFIXES):
            return f"the attribute '{attr}' is not allowed"
        if not isinstance(node.ctx, ast.Load):
            return f"assigning or deleting attributes is not allowed: {attr}"
    if isinstance(node, ast.comprehension) and node.is_async:
        return "async comprehensions are not allowed"
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        return _spec_problem(node.format_spec)
    if isinstance(node, ast.Assign | ast.For | ast.comprehension):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            nested = [t for t in ast.walk(target) if _is_slice_store(t)]
            if nested and not (isinstance(node, ast.Assign) and nested == [target]):
                return "slice assignment is only allowed as x[a:b] = value"
    if (isinstance(node, ast.AugAssign) and type(node.op) in _GUARDED_BINOPS
            and not isinstance(node.target, ast.Name)
            and any(isinstance(n, ast.Call | ast.NamedExpr) for n in ast.walk(node.target))):
        return "x[f()] += ... is not allowed; compute the key first"
    return None


def _check_tree(tree: ast.AST, mode: str) -> None:
    """Raise for the first construct, in source order, that is not allowed.

    Nodes without a position (arguments, withitem, match_case) take their parent's, and the
    outer node wins a tie, so `def f(x): ...` reports the def rather than its arguments.
    """
    problems = []
    stack: list[tuple[ast.AST, tuple[int, int, int, int], int]] = [(tree, (0, 0, 0, 0), 0)]
    while stack:  # iterative: deep trees must not hit the recursion limit here
        node, inherited, depth = stack.pop()
        position = inherited
        if hasattr(node, "lineno"):
            position = (node.lineno, node.col_offset, node.end_lineno or 0,
                        node.end_col_offset or 0)
        message = _node_problem(node)
        if message is not None:
            problems.append((position, depth, message))
        stack.extend((child, position, depth + 1) for child in ast.iter_child_nodes(node))
    if not problems:
        return
    (line, *_), _depth, message = min(problems, key=lambda p: (p[0], p[1]))
    if mode == "exec" and line > 1:
        message += f" (line {line})"
    raise UnsafeExpressionError(message)


class _Rewrite(ast.NodeTransformer):
    """Route the operations that can build huge values, and every loop, through the guard."""

    @staticmethod
    def _guard(method: str, *args: ast.expr, like: ast.AST) -> ast.Call:
        func = ast.Attribute(value=ast.Name(id=_GUARD, ctx=ast.Load()), attr=method,
                             ctx=ast.Load())
        return ast.copy_location(ast.Call(func=func, args=list(args), keywords=[]), like)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        name = _GUARDED_BINOPS.get(type(node.op))
        return node if name is None else self._guard(name, node.left, node.right, like=node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        name = _GUARDED_BINOPS.get(type(node.op))
        if name is not None:
            current = copy.deepcopy(node.target)
            current.ctx = ast.Load()
            node.value = self._guard(f"aug_{name}", current, node.value, like=node.value)
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.iter = self._guard("iter", node.iter, like=node.iter)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = self._guard("iter", node.iter, like=node.iter)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        return self._guard("done", node, like=node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        self.generic_visit(node)
        return self._guard("done", node, like=node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node.value = self.visit(node.value)  # the spec must stay a JoinedStr (checked constant)
        return node

    def _display(self, node: ast.expr, starred: bool) -> ast.AST:
        self.generic_visit(node)
        if starred and isinstance(getattr(node, "ctx", ast.Load()), ast.Load):
            return self._guard("done", node, like=node)  # [*x, *x] doubles
        return node

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._display(node, any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._display(node, any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Set(self, node: ast.Set) -> ast.AST:
        return self._display(node, any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        return self._display(node, any(k is None for k in node.keys))

    def visit_Assign(self, node: ast.Assign) -> ast.AST:
        self.generic_visit(node)
        if any(_is_slice_store(t) for t in node.targets):  # x[:0] = x doubles
            node.value = self._guard("done", node.value, like=node.value)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr in _METHOD_GUARDS and isinstance(node.ctx, ast.Load):
            return self._guard("attr", node.value, ast.Constant(node.attr), like=node)
        return node


def _check_and_compile(source: str, mode: str) -> tuple[CodeType, frozenset[str]]:
    """The checked, rewritten code and every variable name the source mentions."""
    if len(source) > MAX_SOURCE_CHARS:
        raise UnsafeExpressionError(f"source is longer than {MAX_SOURCE_CHARS} characters")
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        where = f" (line {exc.lineno})" if mode == "exec" and exc.lineno else ""
        detail = "" if exc.msg == "invalid syntax" else f": {exc.msg}"  # say it once
        raise UnsafeExpressionError(f"invalid syntax{detail}{where}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise UnsafeExpressionError(f"invalid source: {exc}") from None
    _check_tree(tree, mode)
    names = frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
    try:
        tree = ast.fix_missing_locations(_Rewrite().visit(tree))
        return compile(tree, "<string>", mode), names
    except (RecursionError, MemoryError):
        raise UnsafeExpressionError("source is nested too deeply") from None


CacheInfo = namedtuple("CacheInfo", "hits misses currsize maxsize chars maxchars")


class CompiledCache:
    """Checked code per distinct source, least recently used first out, bounded both by
    entries and by the characters of source they hold (compiled code grows with its source),
    so that validating or running many large scripts cannot grow the process without bound.
    Refusals are not cached; `check_*` (deploy-time checks) read the cache but never fill it.
    """

    def __init__(self, max_entries: int = 2048, max_chars: int = 4_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[str, str], tuple[CodeType, frozenset[str]]] = (
            OrderedDict())
        self._chars = self.hits = self.misses = 0
        self._lock = threading.Lock()

    def get(self, source: str, mode: str, store: bool = True
            ) -> tuple[CodeType, frozenset[str]]:
        key = (source, mode)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        compiled = _check_and_compile(source, mode)
        if store and len(source) <= self.max_chars:
            with self._lock:
                if key not in self._items:
                    self._items[key] = compiled
                    self._chars += len(source)
                while len(self._items) > self.max_entries or self._chars > self.max_chars:
                    (old, _mode), _ = self._items.popitem(last=False)
                    self._chars -= len(old)
        return compiled

    def __call__(self, source: str, mode: str) -> CodeType:
        return self.get(source, mode)[0]

    def cache_info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self.hits, self.misses, len(self._items), self.max_entries,
                             self._chars, self.max_chars)

    def cache_clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._chars = 0


_compile = CompiledCache()


def mentioned_names(source: str, mode: str) -> frozenset[str]:
    """The variables `source` can read or write: code here reaches data only by name."""
    source = _expression_source(source) if mode == "eval" else _script_source(source)
    return _compile.get(source, mode)[1]


def _expression_source(source: str) -> str:
    if not isinstance(source, str):
        raise UnsafeExpressionError(f"expected source text, got {type(source).__name__}")
    return source.strip()


def _script_source(source: str) -> str:
    if not isinstance(source, str):
        raise UnsafeExpressionError(f"expected source text, got {type(source).__name__}")
    return textwrap.dedent(source)  # script elements in BPMN files are often indented


def check_expression(source: str) -> str | None:
    """None if `source` is an allowed expression, else why not (for deploy-time checks)."""
    try:
        _compile.get(_expression_source(source), "eval", store=False)
    except UnsafeExpressionError as exc:
        return str(exc)
    return None


def check_script(source: str) -> str | None:
    """None if `source` is an allowed script, else why not (for deploy-time checks)."""
    try:
        _compile.get(_script_source(source), "exec", store=False)
    except UnsafeExpressionError as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- run-time guards

_SEQUENCES = (str, bytes, list, tuple)
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)


def _percent_format_problem(text: str) -> str | None:
    """Find '%0999999999d', '%.999999999f' or '%*d' in a %-format (parsed like CPython)."""
    i = text.find("%")
    while i != -1:
        i += 1
        if text[i:i + 1] == "(":
            depth, i = 1, i + 1
            while i < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[i], 0)
                i += 1
        while i < len(text) and text[i] in "#0- +":
            i += 1
        fields = []
        for prefix in ("", "."):
            if prefix and text[i:i + 1] != ".":
                break
            i += len(prefix)
            if text[i:i + 1] == "*":
                return "'*' widths in %-formats are not allowed"
            start = i
            while i < len(text) and text[i] in _DIGITS:
                i += 1
            fields.append(text[start:i])
        if any(_too_wide(field) for field in fields):
            return f"%-format widths above {MAX_FORMAT_WIDTH} are not allowed"
        while i < len(text) and text[i] in "hlL":
            i += 1
        i = text.find("%", i + 1)  # skip the conversion character, which may be '%'
    return None


class _Run:
    """Limits for one evaluate/execute; the rewritten code calls its methods."""

    __slots__ = ("limits", "steps", "items", "ticks", "deadline")

    def __init__(self, limits: SandboxLimits) -> None:
        self.limits = limits
        self.steps = self.items = self.ticks = 0
        self.deadline = time.thread_time() + limits.cpu_seconds

    def _clock(self) -> None:
        self.ticks += 1
        if self.ticks % 128 == 0 and time.thread_time() > self.deadline:
            raise SandboxLimitError(
                f"took more than {self.limits.cpu_seconds:g} seconds of CPU time")

    def produce(self, size: int, charge: int | None = None) -> None:
        if size > self.limits.max_items:
            raise SandboxLimitError(f"result would be too large ({size:,} items or characters;"
                                    f" the limit is {self.limits.max_items:,})")
        self.items += size if charge is None else charge
        if self.items > self.limits.max_total_items:
            raise SandboxLimitError(f"builds more than {self.limits.max_total_items:,} items"
                                    " or characters in one run")
        self._clock()

    def _int_bits(self, bits: float) -> None:
        if bits > self.limits.max_int_bits:
            raise SandboxLimitError(f"number would be too large (over "
                                    f"{self.limits.max_int_bits:,} bits)")

    def done(self, value: Any) -> Any:
        """Size check after calls, f-strings and starred displays, which can only multiply
        their inputs by a small factor (encode, hex, repr, [*x, *x]); repeated in a loop they
        would still grow without bound."""
        if isinstance(value, _SIZED) and len(value) > self.limits.max_items:
            raise SandboxLimitError(f"result would be too large ({len(value):,} items or "
                                    f"characters; the limit is {self.limits.max_items:,})")
        self._clock()
        return value

    def iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.steps += 1
            if self.steps > self.limits.max_steps:
                raise SandboxLimitError(
                    f"more than {self.limits.max_steps:,} loop iterations in one run")
            self._clock()
            yield item

    # Each check_* takes the operands and returns the right one (for augmented assignment).
    def check_add(self, a: Any, b: Any, inplace: bool = False) -> Any:
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            size = len(a) + len(b)
            self.produce(size, charge=len(b) if inplace and isinstance(a, list) else size)
        return b

    def check_mul(self, a: Any, b: Any, inplace: bool = False) -> Any:
        for seq, count in ((a, b), (b, a)):
            if isinstance(seq, _SEQUENCES) and isinstance(count, int):
                self.produce(len(seq) * max(count, 0))
                return b
        if isinstance(a, int) and isinstance(b, int):
            self._int_bits(a.bit_length() + b.bit_length())
        return b

    def check_pow(self, a: Any, b: Any, inplace: bool = False) -> Any:
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            self._int_bits(b * math.log2(abs(a)))
        return b

    def check_lshift(self, a: Any, b: Any, inplace: bool = False) -> Any:
        if isinstance(a, int) and isinstance(b, int) and a and b > 0:
            self._int_bits(a.bit_length() + b)
        return b

    def check_mod(self, a: Any, b: Any, inplace: bool = False) -> Any:
        if isinstance(a, str | bytes):
            problem = _percent_format_problem(a if isinstance(a, str) else a.decode("latin-1"))
            if problem:
                raise SandboxLimitError(problem)
        return b

    def add(self, a: Any, b: Any) -> Any:
        self.check_add(a, b)
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        self.check_mul(a, b)
        return a * b

    def pow(self, a: Any, b: Any) -> Any:
        self.check_pow(a, b)
        return a**b

    def lshift(self, a: Any, b: Any) -> Any:
        self.check_lshift(a, b)
        return a << b

    def mod(self, a: Any, b: Any) -> Any:
        self.check_mod(a, b)
        return a % b

    def aug_add(self, a: Any, b: Any) -> Any:
        return self.check_add(a, b, inplace=True)

    def aug_mul(self, a: Any, b: Any) -> Any:
        return self.check_mul(a, b, inplace=True)

    def aug_pow(self, a: Any, b: Any) -> Any:
        return self.check_pow(a, b, inplace=True)

    def aug_lshift(self, a: Any, b: Any) -> Any:
        return self.check_lshift(a, b, inplace=True)

    def aug_mod(self, a: Any, b: Any) -> Any:
        return self.check_mod(a, b, inplace=True)

    def attr(self, obj: Any, name: str) -> Any:
        """obj.name, with the size check for the few methods that can amplify their input."""
        value = getattr(obj, name)  # name is a checked constant from the source
        types, guard = _METHOD_GUARDS[name]
        if isinstance(obj, types):
            def bound(*args: Any, **kwargs: Any) -> Any:
                return guard(self, obj, value, *args, **kwargs)
            return bound
        if isinstance(obj, type) and issubclass(obj, types):  # str.join(sep, items)
            def unbound(inst: Any, *args: Any, **kwargs: Any) -> Any:
                if not isinstance(inst, types):
                    return value(inst, *args, **kwargs)  # let the method raise its TypeError
                return guard(self, inst, getattr(inst, name), *args, **kwargs)
            return unbound
        return value

    def range(self, *args: int) -> range:
        result = range(*args)
        self.produce(len(result))
        return result


def _join(run: _Run, sep: Any, method: Callable, iterable: Iterable[Any]) -> Any:
    items = list(iterable)
    size = len(sep) * max(len(items) - 1, 0)
    size += sum(len(item) for item in items if isinstance(item, str | bytes))
    run.produce(size)
    return method(items)


def _replace(run: _Run, s: Any, method: Callable, old: Any, new: Any, *rest: Any) -> Any:
    if isinstance(old, type(s)) and isinstance(new, type(s)):
        count = s.count(old) if old else len(s) + 1
        if rest and isinstance(rest[0], int) and rest[0] >= 0:
            count = min(count, rest[0])
        run.produce(len(s) + count * max(len(new) - len(old), 0))
    return method(old, new, *rest)


def _pad(run: _Run, s: Any, method: Callable, width: Any = 0, *rest: Any) -> Any:
    if isinstance(width, int):
        run.produce(max(width, len(s)))
    return method(width, *rest)


def _expandtabs(run: _Run, s: Any, method: Callable, tabsize: Any = 8) -> Any:
    if isinstance(tabsize, int):
        run.produce(len(s) + s.count("\t" if isinstance(s, str) else b"\t") * max(tabsize, 0))
    return method(tabsize)


def _translate(run: _Run, s: str, method: Callable, table: Any) -> Any:
    values = table.values() if isinstance(table, dict) else table
    longest = 1
    if isinstance(values, Iterable) and not isinstance(values, str | bytes):
        longest = max((len(v) for v in values if isinstance(v, str)), default=1)
    run.produce(len(s) * max(longest, 1))
    return method(table)


def _extend(run: _Run, lst: list, method: Callable, iterable: Any) -> Any:
    if isinstance(iterable, (*_SEQUENCES, dict, set)):
        run.produce(len(lst) + len(iterable), charge=len(iterable))
    return method(iterable)


def _to_bytes(run: _Run, n: int, method: Callable, length: Any = 1, *rest: Any,
              **kwargs: Any) -> Any:
    if isinstance(length, int):
        run.produce(length)
    return method(length, *rest, **kwargs)


_METHOD_GUARDS: dict[str, tuple[type | tuple[type, ...], Callable]] = {
    "join": ((str, bytes), _join),
    "replace": ((str, bytes), _replace),
    "ljust": ((str, bytes), _pad),
    "rjust": ((str, bytes), _pad),
    "center": ((str, bytes), _pad),
    "zfill": ((str, bytes), _pad),
    "expandtabs": ((str, bytes), _expandtabs),
    "translate": (str, _translate),
    "extend": (list, _extend),
    "to_bytes": (int, _to_bytes),
}


def _safe_sum(iterable: Iterable[Any], /, start: Any = 0) -> Any:
    if not isinstance(start, int | float | complex | timedelta):
        raise UnsafeExpressionError("sum() only adds numbers or timedeltas here")
    return sum(iterable, start)


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if isinstance(ndigits, int) and abs(ndigits) > MAX_FORMAT_WIDTH:
        raise SandboxLimitError(f"round() to more than {MAX_FORMAT_WIDTH} digits is not allowed")
    return round(number, ndigits)


_INTERNAL_IMPORTS = frozenset({"time", "_strptime"})


def _internal_import(name: str, globals_: Any = None, locals_: Any = None,
                     fromlist: Any = (), level: int = 0) -> ModuleType:
    """datetime's C code imports `time` (strftime) and `_strptime` (strptime) through the
    caller's builtins; nothing else may be imported, and sandboxed code cannot name this."""
    if level == 0 and name in _INTERNAL_IMPORTS:
        return builtins.__import__(name, globals_, locals_, fromlist, level)
    raise UnsafeExpressionError("import is not allowed")


SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
    "list", "max", "min", "reversed", "set", "sorted", "str", "tuple", "zip",
    "ValueError", "KeyError", "TypeError",
)
_SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in SAFE_BUILTIN_NAMES}
_SAFE_BUILTINS.update({"sum": _safe_sum, "round": _safe_round, "__import__": _internal_import})
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
