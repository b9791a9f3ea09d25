"""The sandbox's compiler: checked source is rewritten so that the operations that can build
huge values, and every loop, call the run's guard (`sandbox_guards._Run`), then compiled; the
code is cached per source, and `check_expression`/`check_script` answer deploy-time checks.

The source is checked (`sandbox_checks`) before it is rewritten, so the guard's name, which
starts with "_", can only appear where the rewriter put it.

Part of `app.engine.sandbox` (see its docstring); import the public names from there.
"""
from __future__ import annotations

import ast
import copy
import textwrap
import threading
from collections import OrderedDict, namedtuple
from types import CodeType

from app.engine.sandbox_checks import (
    _GUARDED_BINOPS,
    MAX_SOURCE_CHARS,
    UnsafeExpressionError,
    _check_tree,
    _is_slice_store,
)
from app.engine.sandbox_guards import _METHOD_GUARDS

_GUARD = "_sandbox"  # the per-run guard object; unreachable because users cannot write "_..."


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
