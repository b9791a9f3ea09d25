"""Restricted evaluation for the Python that diagrams carry.

Gateway conditions, timer expressions, `assignTo` and script tasks are written by process
owners in the modeler, so they must not reach files, the environment, the database or the
network. SpiffWorkflow's default environment runs arbitrary Python with the app's
privileges; this one first checks the source against an allow-list of syntax:

- no imports, function or class definitions, lambdas, try/raise, while loops, global;
- no name or attribute that starts with "_" (closing `().__class__.__base__...`), and no
  attributes that reach frames, code objects or string formatting (`gi_frame`, `format`);
- builtins are a short safe list (no open, eval, exec, getattr, type, globals, vars...),
  plus `datetime`, `date`, `timedelta` and `timezone` for deadline arithmetic;
- `**`, `*` and `range` go through guards that refuse results too large to hold.

Not covered: CPU time. A comprehension over a large (but permitted) range still runs to
the end; there is no timeout inside a request.
"""
from __future__ import annotations

import ast
import builtins
import math
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

MAX_SEQUENCE = 1_000_000  # items or characters a `*` or `range` may produce
MAX_POWER_BITS = 10_000


class UnsafeExpressionError(ValueError):
    """The source uses something the sandbox does not allow."""


_ALLOWED_NODES = (
    ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.Name, ast.Load, ast.Store, ast.Del, ast.Delete, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Slice, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.Starred,
    ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Call, ast.keyword,
    ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.comprehension,
    ast.If, ast.For, ast.Pass, ast.Break, ast.Continue, ast.NamedExpr,
    ast.JoinedStr, ast.FormattedValue,
    ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context,
)
_FORBIDDEN_ATTRIBUTES = frozenset({
    "format", "format_map", "mro", "ljust", "rjust", "center", "zfill", "expandtabs",
})
_FORBIDDEN_ATTRIBUTE_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_")
_DESCRIBE = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Lambda: "lambda",
    ast.FunctionDef: "function definitions", ast.AsyncFunctionDef: "function definitions",
    ast.ClassDef: "class definitions", ast.While: "while loops", ast.Try: "try",
    ast.Raise: "raise", ast.Global: "global", ast.Nonlocal: "nonlocal", ast.With: "with",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield", ast.Return: "return",
}


def _check_node(node: ast.AST) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        what = _DESCRIBE.get(type(node), type(node).__name__)
        raise UnsafeExpressionError(f"{what} is not allowed")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise UnsafeExpressionError(f"names starting with '_' are not allowed: {node.id}")
    if isinstance(node, ast.Attribute):
        attr = node.attr
        if attr.startswith("_"):
            raise UnsafeExpressionError(f"names starting with '_' are not allowed: {attr}")
        if attr in _FORBIDDEN_ATTRIBUTES or attr.startswith(_FORBIDDEN_ATTRIBUTE_PREFIXES):
            raise UnsafeExpressionError(f"the attribute '{attr}' is not allowed")
        if isinstance(node.ctx, ast.Store | ast.Del):
            raise UnsafeExpressionError("assigning to attributes is not allowed")
    if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Pow | ast.Mult):
        raise UnsafeExpressionError("use x = x * y rather than *= or **=")
    if isinstance(node, ast.keyword) and node.arg is None:
        raise UnsafeExpressionError("**keyword unpacking is not allowed")


class _GuardArithmetic(ast.NodeTransformer):
    """Route * and ** through size checks (the guards' names are unreachable by users,
    who may not write names starting with '_')."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = {ast.Pow: "_sandbox_pow", ast.Mult: "_sandbox_mul"}.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(id=guard, ctx=ast.Load()), args=[node.left, node.right],
                        keywords=[])
        return ast.copy_location(call, node)


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str):
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise UnsafeExpressionError(f"invalid syntax: {exc.msg}") from None
    for node in ast.walk(tree):
        _check_node(node)
    tree = ast.fix_missing_locations(_GuardArithmetic().visit(tree))
    return compile(tree, "<string>", mode)


def check_expression(source: str) -> str | None:
    """None if `source` is an allowed expression, otherwise why not."""
    try:
        _compile(source.strip(), "eval")
    except UnsafeExpressionError as exc:
        return str(exc)
    return None


def check_script(source: str) -> str | None:
    """None if `source` is an allowed script, otherwise why not."""
    try:
        _compile(source, "exec")
    except UnsafeExpressionError as exc:
        return str(exc)
    return None


def _sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def _sandbox_mul(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if _sized(seq) and isinstance(count, int) and len(seq) * count > MAX_SEQUENCE:
            raise UnsafeExpressionError("result would be too large")
    return left * right


def _sandbox_pow(base: Any, exponent: Any) -> Any:
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_POWER_BITS:
            raise UnsafeExpressionError("result would be too large")
    return base**exponent


def _safe_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_SEQUENCE:
        raise UnsafeExpressionError("range is too large")
    return result


_SAFE_BUILTIN_NAMES = (
    "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "isinstance", "len",
    "list", "max", "min", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    "ValueError", "KeyError", "TypeError",
)
SAFE_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}
SAFE_BUILTINS["range"] = _safe_range
HELPERS: dict[str, Any] = {
    "datetime": datetime, "date": date, "timedelta": timedelta, "timezone": timezone}
GUARDS: dict[str, Any] = {"_sandbox_mul": _sandbox_mul, "_sandbox_pow": _sandbox_pow}


def _scope(context: dict, external_context: dict | None) -> dict:
    # Task data may shadow a helper (a form field called "date"), never the guards.
    scope = {**HELPERS, **(external_context or {}), **context, **GUARDS}
    scope["__builtins__"] = SAFE_BUILTINS
    return scope


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """A script environment that runs only checked source with safe builtins."""

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None):
        code = _compile(expression.strip(), "eval")
        return eval(code, _scope(context, external_context))  # noqa: S307 - checked AST above

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        code = _compile(script, "exec")
        scope = _scope(context, external_context)
        exec(code, scope)  # noqa: S102 - checked AST above
        hidden = set(GUARDS) | set(external_context or {}) | {"__builtins__"}
        for key in [k for k in context if k not in scope]:
            del context[key]  # removed by a `del` statement in the script
        for key, value in scope.items():
            if key in hidden or value is HELPERS.get(key) or callable(value):
                continue
            context[key] = value
        return True

    def call_service(self, context: dict, **kwargs):
        raise UnsafeExpressionError("service tasks are not supported")


def make_script_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=SafeEnvironment())
