"""The sandbox's source checks: what diagram code may say, decided from its syntax tree
before anything is compiled (the list is in `app.engine.sandbox`'s docstring, "Blocked when
checking the source"), and the errors every part of the sandbox raises.

Part of `app.engine.sandbox` (see its docstring); import the public names from there.
"""
from __future__ import annotations

import ast

MAX_SOURCE_CHARS = 100_000
MAX_FORMAT_WIDTH = 1_000  # widths/precisions in %-formats and f-strings, and round() digits


class UnsafeExpressionError(ValueError):
    """The source uses something the sandbox does not allow."""


class SandboxLimitError(UnsafeExpressionError):
    """A run tried to build too much data or ran too long."""


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
