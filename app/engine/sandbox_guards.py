"""The sandbox's run-time guards: the per-run limits (`SandboxLimits`) enforced by `_Run`,
whose methods the rewritten code calls, the size checks for the string and list methods that
can amplify their input, and the short list of builtins a run can reach (see "Blocked at run
time" and "Resource guards" in `app.engine.sandbox`'s docstring).

Part of `app.engine.sandbox` (see its docstring); import the public names from there.
"""
from __future__ import annotations

import builtins
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from app.engine.sandbox_checks import (
    _DIGITS,
    MAX_FORMAT_WIDTH,
    SandboxLimitError,
    UnsafeExpressionError,
    _too_wide,
)


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run resource limits; generous for deadline arithmetic and small scripts."""

    max_items: int = 1_000_000  # items or characters one operation may produce
    max_total_items: int = 10_000_000  # all guarded operations of one run together
    max_int_bits: int = 100_000  # size of ints built by *, ** and <<
    max_steps: int = 1_000_000  # loop and comprehension iterations per run
    cpu_seconds: float = 2.0  # CPU time of the running thread per run


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
