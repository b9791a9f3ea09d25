"""Questions that apply only after a given answer: the schema's simple if/then rules.

A rule of the shape `{"if": {"properties": {"x": {"const": v}}, "required": ["x"]},
"then": {"required": ["y", ...]}}` (or `{"contains": {"const": v}}` for a list of ticked
boxes) makes y a question that applies only when x is v. The page nests y under that option
as a GOV.UK conditional reveal; a parsed POST drops y when x is not v, so an answer left in a
hidden question is never recorded.

A rule whose `if` is `{"anyOf": [simple, simple, ...]}` makes y apply when ANY of those answers
is given (MARP's checklist gaps: needed when any checklist answer is No). It cannot nest under
one option, so the page draws y where it stands, wrapped with the answers that decide it, and
a script hides it while none is given; the server drops y when none holds, as above.
A rule may also name what the case already knows rather than a question of this form (MARP's
service manager overrides a checklist answer of No given in the request: needed when approving
AND the request had a No). `settle` decides those parts on the case's data before the page is
drawn or an answer dropped: a part that holds falls away (leaving the rule on this form's
answers), and one that does not makes the rule never apply, so its question is not asked.
Rules of any other shape still hold: jsonschema enforces them, the page just shows their
questions unconditionally.

A question that is needed after one answer but worth giving after any other (comments,
needed when a request is returned, welcome when it is endorsed) says so in the UI schema
with `"ui:reveal": false`: it is always shown, and its answer is kept whatever was chosen.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator


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

    @property
    def options(self) -> tuple[Condition, ...]:
        return (self,)


@dataclass(frozen=True)
class AnyOf:
    """Several simple conditions, any one of which makes the dependent question apply."""
    options: tuple[Condition, ...]

    def holds(self, data: Mapping) -> bool:
        return any(c.holds(data) for c in self.options)


@dataclass(frozen=True)
class Never:
    """A rule the case's data has already ruled out (see `settle`): its question does not apply."""
    options: tuple[Condition, ...] = ()

    def holds(self, data: Mapping) -> bool:
        return False


Rule = Condition | AnyOf | Never


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


def _parse(test: Any) -> Rule | None:
    """A simple test, or an anyOf of simple tests (one of one is just that test); `false`
    (a rule settled as never applying)."""
    if test is False:
        return Never()
    if isinstance(test, Mapping) and set(test) == {"anyOf"}:
        branches = test["anyOf"]
        if not isinstance(branches, list) or not branches:
            return None
        found = [_simple(branch) for branch in branches]
        if any(c is None for c in found):
            return None
        options = tuple(c for c in found if c is not None)
        return options[0] if len(options) == 1 else AnyOf(options)
    return _simple(test)


def _always_shown(ui: Mapping | None, name: str) -> bool:
    layout = (ui or {}).get(name)
    return isinstance(layout, Mapping) and layout.get("ui:reveal") is False


def conditions(schema: Mapping, ui: Mapping | None = None) -> dict[str, Condition]:
    """Dependent question -> the one answer that makes it apply, for this level's properties
    (`ui`: this level's layout, whose `"ui:reveal": false` keeps a question always shown):
    the questions a page can nest under that answer's option."""
    return {name: rule for name, rule in applies_when(schema, ui).items()
            if isinstance(rule, Condition)}


def applies_when(schema: Mapping, ui: Mapping | None = None,
                 known: Collection[str] | None = None) -> dict[str, Rule]:
    """Dependent question -> the answer, or any of the answers, that make it apply.

    `known`: further questions of the same form whose answers a rule may name (a section's
    page knows the rest of the form); by default only this level's properties, so that a rule
    about something the form does not ask (case data) is never judged on the form's answers.
    A question named by two rules, required outright, or depending on itself is left alone:
    nesting it under one option would hide it when another rule needs it.
    """
    props = schema.get("properties") or {}
    answerable = set(props) | set(known or ())
    rules = [r for r in schema.get("allOf") or [] if isinstance(r, Mapping)]
    if "if" in schema:
        rules.append({"if": schema.get("if"), "then": schema.get("then")})
    found: dict[str, Rule] = {}
    clash: set[str] = set(schema.get("required") or [])
    for rule in rules:
        parsed = _parse(rule.get("if"))
        then = rule.get("then")
        if (parsed is None or not isinstance(then, Mapping)
                or any(c.field not in answerable for c in parsed.options)):
            continue
        fields = {c.field for c in parsed.options}
        for name in then.get("required") or []:
            if name in found or name in fields or name not in props:
                clash.add(name)
            found[name] = parsed
    found = {name: r for name, r in found.items()
             if name not in clash and not _always_shown(ui, name)}
    # A cycle (x under y under x) cannot be drawn nested: leave its questions, and those that
    # depend on them, unconditional.
    looped = {name for name in found if _loops(found, name, ())}
    return {name: r for name, r in found.items() if name not in looped}


def _loops(found: Mapping[str, Rule], name: str, path: tuple[str, ...]) -> bool:
    """Whether following what `name` depends on ever comes back round to a question."""
    if name in path:
        return True
    rule = found.get(name)
    return rule is not None and any(_loops(found, c.field, (*path, name))
                                    for c in rule.options)


def decided_here(rules: Mapping[str, Rule], on_page: Collection[str],
                 saved: Mapping) -> tuple[dict[str, tuple[Condition, ...]], set[str]]:
    """For a page showing `on_page`: the questions whose applying the page itself decides
    (-> the conditions on its own questions), and those that do not apply at all.

    Answers given on other pages are saved, so they decide now: one that holds makes its
    question apply outright (neither list), and when none holds and none of the deciding
    questions is on this page, the question does not apply.
    """
    here: dict[str, tuple[Condition, ...]] = {}
    skipped: set[str] = set()
    for name, rule in rules.items():
        if name not in on_page:
            continue
        mine = tuple(c for c in rule.options if c.field in on_page)
        if any(c.holds(saved) for c in rule.options if c.field not in on_page):
            continue
        if mine:
            here[name] = mine
        else:
            skipped.add(name)
    return here, skipped


def drop_inapplicable(schema: Mapping, data: dict, ui: Mapping | None = None) -> dict:
    """`data` without answers to questions that do not apply (in chains too: clearing x
    clears what depends on x)."""
    rules = applies_when(schema, ui)
    changed = True
    while changed:
        changed = False
        for name, rule in rules.items():
            if name in data and not rule.holds(data):
                del data[name]
                changed = True
    return data


# --- rules about what the case already knows ------------------------------------------------

def _names(test: Any) -> set[str]:
    """Every property a test names, however deeply nested in anyOf/allOf/oneOf/not."""
    if isinstance(test, list):
        return set().union(*(_names(t) for t in test)) if test else set()
    if not isinstance(test, Mapping):
        return set()
    found = set(test.get("properties") or {}) | set(test.get("required") or [])
    for key in ("anyOf", "allOf", "oneOf", "not"):
        if key in test:
            found |= _names(test[key])
    return found


def _settled_test(test: Any, own: Collection[str], case_data: Mapping) -> Any:
    parts = list(test["allOf"]) if isinstance(test, Mapping) and set(test) == {"allOf"} \
        else [test]
    about_case = [p for p in parts if _names(p) and not _names(p) & set(own)]
    if not about_case:
        return test
    if not all(Draft202012Validator(p).is_valid(dict(case_data)) for p in about_case):
        return False
    rest = [p for p in parts if p not in about_case]
    return True if not rest else rest[0] if len(rest) == 1 else {"allOf": rest}


def settle(schema: Mapping, case_data: Mapping | None) -> dict:
    """`schema` with the parts of its rules that name only the case's data (never one of its
    own questions) decided on `case_data`. For drawing and dropping only: validation still
    judges the whole rule on the answers and the case's data together (forms.validate)."""
    own = set(schema.get("properties") or {})
    settled = dict(schema)
    if "if" in schema:
        settled["if"] = _settled_test(schema["if"], own, case_data or {})
    if isinstance(schema.get("allOf"), list):
        settled["allOf"] = [
            {**rule, "if": _settled_test(rule["if"], own, case_data or {})}
            if isinstance(rule, Mapping) and "if" in rule else rule
            for rule in schema["allOf"]]
    return settled

