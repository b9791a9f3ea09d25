"""Questions that apply only after a given answer: the schema's simple if/then rules.

A rule of the shape `{"if": {"properties": {"x": {"const": v}}, "required": ["x"]},
"then": {"required": ["y", ...]}}` (or `{"contains": {"const": v}}` for a list of ticked
boxes) makes y a question that applies only when x is v. The page nests y under that option
as a GOV.UK conditional reveal; a parsed POST drops y when x is not v, so an answer left in a
hidden question is never recorded. Rules of any other shape still hold: jsonschema enforces
them, the page just shows their questions unconditionally.

A question that is needed after one answer but worth giving after any other (comments,
needed when a request is returned, welcome when it is endorsed) says so in the UI schema
with `"ui:reveal": false`: it is always shown, and its answer is kept whatever was chosen.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Condition:
    field: str          # the question whose answer decides
    value: Any          # the answer that makes the dependent question apply
    ticked: bool        # True when `field` is a list of ticked boxes (contains)

    def holds(self, data: Mapping) -> bool:
        answer = data.get(self.field)
        if self.ticked:
            return isinstance(answer, list) and any(_same(a, self.value) for a in answer)
        return self.field in data and _same(answer, self.value)


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a yes/no answer must not satisfy a rule about the number 1
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _simple(test: Any) -> Condition | None:
    if not isinstance(test, Mapping) or set(test) - {"properties", "required"}:
        return None
    props = test.get("properties")
    if not isinstance(props, Mapping) or len(props) != 1:
        return None
    (name, rule), = props.items()
    if name not in (test.get("required") or []) or not isinstance(rule, Mapping):
        return None
    if set(rule) == {"const"}:
        return Condition(name, rule["const"], False)
    inner = rule.get("contains")
    if set(rule) == {"contains"} and isinstance(inner, Mapping) and set(inner) == {"const"}:
        return Condition(name, inner["const"], True)
    return None


def _always_shown(ui: Mapping | None, name: str) -> bool:
    layout = (ui or {}).get(name)
    return isinstance(layout, Mapping) and layout.get("ui:reveal") is False


def conditions(schema: Mapping, ui: Mapping | None = None) -> dict[str, Condition]:
    """Dependent question -> the one answer that makes it apply, for this level's properties
    (`ui`: this level's layout, whose `"ui:reveal": false` keeps a question always shown).

    A question named by two rules, required outright, or depending on itself is left alone:
    nesting it under one option would hide it when another rule needs it.
    """
    props = schema.get("properties") or {}
    rules = [r for r in schema.get("allOf") or [] if isinstance(r, Mapping)]
    if "if" in schema:
        rules.append({"if": schema.get("if"), "then": schema.get("then")})
    found: dict[str, Condition] = {}
    clash: set[str] = set(schema.get("required") or [])
    for rule in rules:
        condition = _simple(rule.get("if"))
        then = rule.get("then")
        if condition is None or condition.field not in props or not isinstance(then, Mapping):
            continue
        for name in then.get("required") or []:
            if name in found or name == condition.field or name not in props:
                clash.add(name)
            found[name] = condition
    found = {name: c for name, c in found.items()
             if name not in clash and not _always_shown(ui, name)}
    # A cycle (x under y under x) cannot be drawn nested: leave its questions unconditional.
    for name in list(found):
        seen, current = {name}, found.get(name)
        while current is not None:
            if current.field in seen:
                for member in seen:
                    found.pop(member, None)
                break
            seen.add(current.field)
            current = found.get(current.field)
    return found


def drop_inapplicable(schema: Mapping, data: dict, ui: Mapping | None = None) -> dict:
    """`data` without answers to questions that do not apply (in chains too: clearing x
    clears what depends on x)."""
    rules = conditions(schema, ui)
    changed = True
    while changed:
        changed = False
        for name, condition in rules.items():
            if name in data and not condition.holds(data):
                del data[name]
                changed = True
    return data
