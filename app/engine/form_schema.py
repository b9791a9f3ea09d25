"""What a form's JSON Schema may hold, and the validator that checks answers against it.

Two rules keep checking one submission cheap, whatever the form says:
- Every list has a `maxItems` (at most MAX_ITEMS): `uniqueItems` compares each item with every
  other, so 20,000 answers in one list took 34 s. A longer list is refused by its maxItems
  without that comparison.
- A `pattern` (and each key of `patternProperties`) runs on RE2, whose time grows with the
  answer's length only. Python's own engine backtracks: `^(a|aa)+$` against 41 characters took
  18 s. A pattern RE2 cannot compile (back-references, look-arounds) is refused when the form
  is saved or deployed.
"""
from __future__ import annotations

from functools import lru_cache

import re2
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema import _keywords as keywords

MAX_ITEMS = 1000
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is reported to whoever saved it, not to stderr
# Where a schema holds other schemas: one, a name -> schema map, or a list.
_ONE = ("items", "contains", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
        "propertyNames", "not", "if", "then", "else", "additionalItems")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
# Those that apply to the same value: a bound on the list covers what they say of it.
_SAME_VALUE = frozenset({"allOf", "anyOf", "oneOf", "not", "if", "then", "else"})


class PatternError(ValueError):
    """RE2 cannot compile the pattern."""


@lru_cache(maxsize=1024)
def compiled(pattern: str):
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(str(reason)) from None


def json_depth(value) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        pending += [(inner, depth + 1) for inner in item if isinstance(inner, (dict, list))]
    return deepest


def _search(pattern: str, text: str) -> bool:
    return compiled(pattern).search(text) is not None


def _is_array(node: dict) -> bool:
    kind = node.get("type")
    if kind is not None:
        return kind == "array" or (isinstance(kind, list) and "array" in kind)
    return any(key in node for key in ("items", "prefixItems", "contains", "uniqueItems"))


def _where(path: tuple) -> str:
    return "/".join(str(p) for p in path) or "the top level"


def problems(document) -> list[str]:
    """Why the schema cannot be a form's (empty when it can): lists without a bound, patterns
    RE2 cannot run. Walked without recursion: a schema may nest deeply."""
    found: list[str] = []
    pending: list[tuple[object, tuple, bool]] = [(document, (), False)]
    while pending:
        node, path, covered = pending.pop()
        if not isinstance(node, dict):
            continue
        bound = node.get("maxItems")
        if isinstance(bound, bool) or not isinstance(bound, int):
            bound = None
        if _is_array(node) and not (covered and bound is None):
            if bound is None:
                found.append(f"The list at {_where(path)} has no maxItems: give the most "
                             f"answers it may hold (at most {MAX_ITEMS})")
            elif bound > MAX_ITEMS:
                found.append(f"The list at {_where(path)} allows {bound} answers; maxItems "
                             f"may be at most {MAX_ITEMS}")
        patterns = []
        if isinstance(node.get("pattern"), str):
            patterns.append((node["pattern"], (*path, "pattern")))
        if isinstance(node.get("patternProperties"), dict):
            patterns += [(key, (*path, "patternProperties")) for key in node["patternProperties"]]
            if "unevaluatedProperties" in node:
                found.append(f"At {_where(path)}: patternProperties cannot be used with "
                             "unevaluatedProperties in a form; use additionalProperties")
        for pattern, where in patterns:
            try:
                compiled(pattern)
            except PatternError as exc:
                found.append(f"The pattern {pattern!r} at {_where(where)} cannot be used: "
                             f"{exc}. Patterns run on RE2, which has no back-references or "
                             "look-arounds")
        if node.get("format") == "document" and (node.get("type") != "string"
                                                 or len(path) != 2 or path[0] != "properties"):
            # Its answer is one uploaded file's id, asked for on the step's own page.
            found.append(f"The document field at {_where(path)} must be a string property of "
                         "the form itself (not inside a list or group)")
        covers = covered or bound is not None
        pending += [(node[key], (*path, key), covers and key in _SAME_VALUE)
                    for key in _ONE if key in node]
        for key in _MAP:
            if isinstance(node.get(key), dict):
                pending += [(inner, (*path, key, name), False)
                            for name, inner in node[key].items()]
        for key in _LIST:
            if isinstance(node.get(key), list):
                pending += [(inner, (*path, key, i), covers and key in _SAME_VALUE)
                            for i, inner in enumerate(node[key])]
    return found


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        matched = _search(pattern, instance)
    except PatternError:
        yield ValidationError(f"the form's pattern {pattern!r} cannot be checked")
        return
    if not matched:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        for key, value in instance.items():
            try:
                matched = _search(pattern, key)
            except PatternError:
                yield ValidationError(f"the form's pattern {pattern!r} cannot be checked")
                return
            if matched:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, additional, instance, schema):
    """As jsonschema's own, with the patternProperties keys run on RE2."""
    if "patternProperties" not in schema or not validator.is_type(instance, "object"):
        yield from keywords.additionalProperties(validator, additional, instance, schema)
        return
    properties = schema.get("properties", {})
    try:
        extras = {key for key in instance if key not in properties and not any(
            _search(pattern, key) for pattern in schema["patternProperties"])}
    except PatternError:
        yield ValidationError("the form's patternProperties cannot be checked")
        return
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        joined = ", ".join(repr(each) for each in sorted(extras))
        patterns = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
        yield ValidationError(f"{joined} do not match any of the regexes: {patterns}")


def _within_bound(keyword: str):
    """The list keyword, run only on a list no longer than its maxItems: a longer one is
    refused by maxItems alone, without comparing its items (uniqueItems compares every pair)
    or checking each of them."""
    check = getattr(keywords, keyword)

    def bounded(validator, value, instance, schema):
        bound = schema.get("maxItems")
        if (validator.is_type(instance, "array") and isinstance(bound, int)
                and len(instance) > bound):
            return
        yield from check(validator, value, instance, schema)
    return bounded


FormValidator = validators.extend(Draft202012Validator, {
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    **{keyword: _within_bound(keyword)
       for keyword in ("items", "prefixItems", "contains", "uniqueItems", "unevaluatedItems")},
})
