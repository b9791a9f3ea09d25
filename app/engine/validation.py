"""Checks that go beyond "the engine can parse it": what our app needs to run a diagram.

Each problem names the element and line so the modeler can select the culprit.
"""
from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import evaluator, form_schema
from app.engine.parsing import (
    NSMAP,
    BpmnProblems,
    ParsedModel,
    Problem,
    parse_model,
    read_xml,
)
from app.engine.sandbox import check_expression, check_script

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# P7D, PT4H, R3/P1D or 2027-01-31...: the ISO 8601 forms someone forgot to quote.
_LOOKS_LIKE_ISO = re.compile(r"^(P(\d|T\d)|R\d*/|\d{4}-\d{2}-\d{2})")


def _owner_id(element: etree._Element) -> str | None:
    while element is not None:
        if element.get("id"):
            return element.get("id")
        element = element.getparent()
    return None


def _literal(source: str):
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None


def _check_timer(kind: str, source: str) -> str | None:
    """Expression errors, plus the ISO 8601 meaning of a literal, which would only fail later."""
    error = check_expression(source)
    if error:
        return f"Timer expression {source!r} is not a valid expression: {error}"
    if _LOOKS_LIKE_ISO.match(source):
        return (f"Timer expression {source} is read as Python, not as a literal: "
                f"put it in quotes, \"{source}\"")
    literal = _literal(source)
    if literal is None:
        return None  # a variable or computed value: checked when the timer is reached
    if not isinstance(literal, str):
        return f"Timer expression {source!r} must give an ISO 8601 string"
    try:
        if kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(literal)
        elif kind == "timeDate":
            TimerEventDefinition.get_datetime(literal)
        else:
            TimerEventDefinition.parse_iso_recurring_interval(literal)
    except Exception:
        return f"Timer expression {source!r} is not a valid ISO 8601 {kind[4:].lower()}"
    return None


def _check_expressions(root: etree._Element) -> list[Problem]:
    problems: list[Problem] = []
    for el in root.xpath("//bpmn:conditionExpression", namespaces=NSMAP):
        text = (el.text or "").strip()
        error = check_expression(text) if text else "Condition is empty"
        if error:
            problems.append(Problem(f"Condition {text!r}: {error}", _owner_id(el), el.sourceline))
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        for el in root.xpath(f"//bpmn:{kind}", namespaces=NSMAP):
            text = (el.text or "").strip()
            error = _check_timer(kind, text) if text else "Timer has no expression"
            if error:
                problems.append(Problem(error, _owner_id(el), el.sourceline))
    scripts = root.xpath("//bpmn:script", namespaces=NSMAP) + root.xpath(
        "//s:preScript | //s:postScript", namespaces={"s": SPIFF_NS}
    )
    for el in scripts:
        error = check_script(el.text or "")
        if error:
            problems.append(Problem(f"Script: {error}", _owner_id(el), el.sourceline))
    return problems


_CODE_XPATH = (
    "//bpmn:script | //bpmn:conditionExpression | //bpmn:timeDuration | //bpmn:timeDate"
    " | //bpmn:timeCycle | //bpmn:loopCardinality | //bpmn:completionCondition"
    " | //s:preScript | //s:postScript"
    " | //s:property[@name='dueDate' or @name='assignTo']")
_CODE_NAMESPACES = {**NSMAP, "s": SPIFF_NS}


def _code_label(el: etree._Element) -> str:
    tag = etree.QName(el).localname
    if tag == "property":
        return el.get("name")
    return {"script": "Script", "preScript": "Pre-script", "postScript": "Post-script",
            "conditionExpression": "Condition", "loopCardinality": "Loop cardinality",
            "completionCondition": "Completion condition"}.get(tag, "Timer expression")


def _code_text(el: etree._Element) -> str:
    if etree.QName(el).localname == "property":
        return el.get("value") or ""
    return el.text or ""


def check_code_limits(root: etree._Element) -> list[Problem]:
    """Caps on the code a diagram carries, checked before anything is compiled: how many
    pieces, how long each, how long all together (see `evaluator.Settings`)."""
    limits = evaluator.SETTINGS
    pieces = root.xpath(_CODE_XPATH, namespaces=_CODE_NAMESPACES)
    problems: list[Problem] = []
    if len(pieces) > limits.max_code_items:
        first = pieces[limits.max_code_items]
        problems.append(Problem(
            f"The diagram carries {len(pieces):,} pieces of code (scripts, conditions, timers, "
            f"dueDate, assignTo, cardinalities); at most {limits.max_code_items:,} are allowed. "
            f"{_code_label(first)} here is the first over the limit",
            _owner_id(first), first.sourceline))
    total = 0
    for el in pieces:
        size = len(_code_text(el))
        total += size
        if size > limits.max_script_chars:
            problems.append(Problem(
                f"{_code_label(el)} is {size:,} characters long; at most "
                f"{limits.max_script_chars:,} are allowed (split the work into several tasks)",
                _owner_id(el), el.sourceline))
        if len(problems) >= 20:
            break
    if total > limits.max_code_chars:
        problems.append(Problem(
            f"The diagram's code is {total:,} characters in all; at most "
            f"{limits.max_code_chars:,} are allowed"))
    return problems


def _check_multi_instance(root: etree._Element) -> list[Problem]:
    problems = []
    for el in root.xpath("//bpmn:loopCardinality | //bpmn:completionCondition",
                         namespaces=NSMAP):
        text = (el.text or "").strip()
        label = _code_label(el)
        error = check_expression(text) if text else f"{label} is empty"
        if error:
            problems.append(Problem(f"{label} {text!r}: {error}", _owner_id(el), el.sourceline))
            continue
        value = _literal(text) if label == "Loop cardinality" else None
        if isinstance(value, int) and value > evaluator.SETTINGS.max_instances:
            problems.append(Problem(
                f"Loop cardinality {value:,} is more than the {evaluator.SETTINGS.max_instances:,}"
                " instances a multi-instance task may have", _owner_id(el), el.sourceline))
    return problems


FormReader = Callable[[str], str | None]


def file_reader(forms_dir: Path) -> FormReader:
    """Forms read from a folder (the engine alone, as in the tests and `flask deploy`)."""
    def read(name: str) -> str | None:
        path = forms_dir / name
        return path.read_text() if path.is_file() else None
    return read


def _check_form(text: str | None, name: str, label: str) -> str | None:
    if text is None:
        return f"{label} {name!r} does not exist in forms/"
    try:
        document = json.loads(text)
        Draft202012Validator.check_schema(document)
    except json.JSONDecodeError as exc:
        return f"{label} {name!r} is not valid JSON: {exc}"
    except SchemaError as exc:
        return f"{label} {name!r} is not a valid JSON Schema: {exc.message}"
    found = form_schema.problems(document)
    return f"{label} {name!r}: {'; '.join(found)}" if found else None


def _check_user_tasks(model: ParsedModel, root: etree._Element,
                      read_form: FormReader) -> list[Problem]:
    problems: list[Problem] = []
    lines = {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str)}
    for task in model.user_tasks.values():
        def problem(message: str, task=task) -> None:
            problems.append(Problem(f"User task {task.title!r}: {message}", task.name,
                                    lines.get(task.name)))

        if not task.role:
            problem("is in no lane, so no role can do it; put it in a lane named for a role")
        form_text = read_form(task.form_schema_file) if task.form_schema_file else None
        if not task.form_schema_file:
            problem("names no form; set the formJsonSchemaFilename property")
        else:
            error = _check_form(form_text, task.form_schema_file, "form")
            if error:
                problem(error)
        if task.form_ui_schema_file and read_form(task.form_ui_schema_file) is None:
            problem(f"UI schema {task.form_ui_schema_file!r} does not exist in forms/")
        if task.due_in:
            try:
                TimerEventDefinition.parse_iso_duration(task.due_in)
            except Exception:
                problem(f"dueIn {task.due_in!r} is not an ISO 8601 duration such as P5D")
        if task.decision_fields and task.form_schema_file and not error:
            fields = json.loads(form_text).get("properties") or {}
            for missing in sorted(set(task.decision_fields.values()) - set(fields)):
                problem(f"names decision field {missing!r}, which its form does not ask for")
        if task.due_date:
            error = check_expression(task.due_date)
            if error:
                problem(f"dueDate {task.due_date!r}: {error}")
        if task.assign_to:
            error = check_expression(task.assign_to)
            if error:
                problem(f"assignTo {task.assign_to!r}: {error}")
        if task.decision_notify and not task.decision_fields:
            problem("names people in decisionNotify but is not a decision step; set "
                    "decisionOutcome too")
        for entry in task.decision_notify:
            who, _, condition = entry.partition(" if ")
            if not re.fullmatch(r"[a-z][a-z0-9_]*", who.strip()):
                problem(f"decisionNotify entry {entry!r} must begin with 'initiator', "
                        "'case_allocated_worker', 'team_manager' or a role key such as "
                        "commissioning_officer")
            elif condition.strip() and (error := check_expression(condition.strip())):
                problem(f"decisionNotify condition {condition.strip()!r}: {error}")
        for name in task.separate_from:
            if name != "initiator" and name not in model.user_tasks:
                problem(f"separateFrom names {name!r}, which is neither 'initiator' nor a user "
                        "task of this diagram")
    return problems


def validate_model(xml: bytes | str, forms: Path | FormReader
                   ) -> tuple[ParsedModel | None, list[Problem]]:
    """Parse and check a diagram against the forms it names (a folder, or a function reading
    a form's text by name); the model is None whenever there is any problem."""
    try:
        root = read_xml(xml)
    except BpmnProblems as exc:
        return None, exc.problems
    problems = check_code_limits(root)
    if problems:
        return None, problems
    try:
        model = parse_model(root)
    except BpmnProblems as exc:
        return None, exc.problems
    problems = _check_expressions(model.tree) + _check_multi_instance(model.tree)
    read_form = forms if callable(forms) else file_reader(forms)
    problems += _check_user_tasks(model, model.tree, read_form)
    if model.start_form:
        error = _check_form(read_form(model.start_form), model.start_form, "Start form")
        if error:
            problems.append(Problem(error, model.key))
    if not model.start_roles:
        problems.append(Problem(
            "The start event is in no lane, so no role may start this pathway", model.key))
    return (None, problems) if problems else (model, [])
