"""Turning BPMN XML into executable specs, and describing what our app reads from them.

The engine wrapper knows nothing about Flask or the database: it takes XML and gives back
specs, or a list of problems each tied to an element and a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import StartEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NSMAP = {"bpmn": BPMN_NS}


def role_key(lane: str | None) -> str | None:
    """A lane name as a role key: "Team Manager" -> "team_manager"."""
    if not lane:
        return None
    key = re.sub(r"[^a-z0-9]+", "_", lane.strip().lower()).strip("_")
    return key or None


@dataclass(frozen=True)
class Problem:
    message: str
    element_id: str | None = None
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "element_id": self.element_id, "line": self.line}


class BpmnProblems(Exception):
    """The diagram cannot be deployed; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class UserTaskSpec:
    """What the app needs from a user task's definition, read once per model version."""

    name: str
    title: str
    role: str | None
    form_schema_file: str | None
    form_ui_schema_file: str | None
    instructions: str | None
    due_in: str | None
    due_in_working_days: int | None
    assign_to: str | None
    due_date: str | None = None  # an expression over task data giving an ISO date
    due_rule: str | None = None  # the rule in words, with its source, shown to users
    # A panel's decision: which of the form's fields hold the outcome, conditions, return
    # date and actions, copied onto the case's item on the meeting's agenda.
    decision_fields: dict[str, str] | None = None


@dataclass
class ParsedModel:
    key: str
    name: str
    spec: Any
    subprocess_specs: dict
    start_roles: list[str]
    user_tasks: dict[str, UserTaskSpec] = field(default_factory=dict)
    description: str | None = None
    tree: Any = None


def read_xml(xml: bytes | str) -> etree._Element:
    """Parse XML safely (no entities, no network) or raise BpmnProblems."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnProblems([Problem(f"Not well-formed XML: {exc.msg}", None, exc.lineno)]) from None


def _element_id_at_line(root: etree._Element, line: int | None) -> str | None:
    if not line:
        return None
    best = None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.sourceline == line and element.get("id"):
            return element.get("id")
        if element.sourceline and element.sourceline <= line and element.get("id"):
            best = element.get("id")
    return best


def _element_id_at_path(root: etree._Element, path: str | None) -> str | None:
    """The id of the element the schema error points at (or its nearest ancestor's)."""
    if not path:
        return None
    namespaces = {k: v for k, v in root.nsmap.items() if k}
    try:
        found = root.getroottree().xpath(path, namespaces=namespaces)
    except etree.XPathError:
        return None
    element = found[0] if found else None
    while element is not None and not element.get("id"):
        element = element.getparent()
    return element.get("id") if element is not None else None


def check_schema(root: etree._Element) -> list[Problem]:
    """Every XSD violation, not only the first, each with its line and nearest element id."""
    VALIDATOR.preprocess(root)
    schema = VALIDATOR.validator
    if schema.validate(root):
        return []
    return [
        Problem("BPMN schema: " + err.message.replace("{" + BPMN_NS + "}", "bpmn:"),
                _element_id_at_path(root, err.path) or _element_id_at_line(root, err.line),
                err.line)
        for err in schema.error_log
    ]


def _top_level_process_ids(root: etree._Element) -> list[str]:
    processes = root.xpath("//bpmn:process", namespaces=NSMAP)
    called = {
        el.get("calledElement") for el in root.xpath("//bpmn:callActivity", namespaces=NSMAP)
    }
    executable = [p for p in processes if p.get("isExecutable", "false") == "true"]
    return [p.get("id") for p in executable if p.get("id") not in called]


def _executable_problems(root: etree._Element, process_ids: list[str]) -> list[Problem]:
    """Why the diagram has not exactly one process to run, said of each process (diagrams
    drawn for documentation, in other modellers, usually mark none executable)."""
    if process_ids:
        return [Problem(
            f"Process {pid!r} is one of {len(process_ids)} executable top-level processes; "
            "a diagram must hold exactly one executable process (set isExecutable=\"false\" "
            "on the others)",
            pid) for pid in process_ids]
    processes = root.xpath("//bpmn:process", namespaces=NSMAP)
    if not processes:
        return [Problem("The diagram holds no process (only collaboration or choreography "
                        "elements); draw the pathway as a process in a pool")]
    return [Problem(
        f"Process {p.get('name') or p.get('id')!r} is not marked executable "
        "(isExecutable=\"true\"); a diagram must hold exactly one executable process",
        p.get("id"), p.sourceline) for p in processes]


def _properties(task_spec) -> dict[str, str]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}


DECISION_PROPERTIES = {"outcome": "decisionOutcome", "conditions": "decisionConditions",
                       "review_date": "decisionReturnDate", "actions": "decisionActions"}


def _decision_fields(props: dict[str, str]) -> dict[str, str] | None:
    if "decisionOutcome" not in props:
        return None
    return {key: props[name] for key, name in DECISION_PROPERTIES.items() if props.get(name)}


def describe_user_task(task_spec) -> UserTaskSpec:
    props = _properties(task_spec)
    working_days = props.get("dueInWorkingDays")
    return UserTaskSpec(
        name=task_spec.bpmn_id or task_spec.name,
        title=task_spec.bpmn_name or task_spec.bpmn_id or task_spec.name,
        role=role_key(task_spec.lane),
        form_schema_file=props.get("formJsonSchemaFilename"),
        form_ui_schema_file=props.get("formUiSchemaFilename"),
        instructions=(task_spec.extensions or {}).get("instructionsForEndUser"),
        due_in=props.get("dueIn"),
        due_in_working_days=int(working_days) if working_days and working_days.isdigit() else None,
        assign_to=props.get("assignTo"),
        due_date=props.get("dueDate"),
        due_rule=props.get("dueRule"),
        decision_fields=_decision_fields(props),
    )


def _all_specs(parsed_spec, subprocess_specs: dict):
    yield parsed_spec
    yield from subprocess_specs.values()


def parse_model(xml: bytes | str | etree._Element) -> ParsedModel:
    """Parse and validate against the BPMN schema; raise BpmnProblems if not executable."""
    root = xml if isinstance(xml, etree._Element) else read_xml(xml)
    problems = check_schema(root)
    if problems:
        raise BpmnProblems(problems)
    process_ids = _top_level_process_ids(root)
    if len(process_ids) != 1:
        raise BpmnProblems(_executable_problems(root, process_ids))
    key = process_ids[0]
    parser = SpiffBpmnParser()  # schema already checked above, with every error reported
    stores = [Problem(
        f"Data store {el.get('name') or el.get('id')!r}: the engine has no data store of that "
        "name; a case keeps its own data, so remove it (a data object is fine)",
        el.get("id"), el.sourceline)
        for el in root.xpath("//bpmn:dataStore", namespaces=NSMAP)
        if el.get("name") not in parser.DATA_STORE_CLASSES]
    if stores:
        raise BpmnProblems(stores)
    try:
        parser.add_bpmn_xml(root, filename=f"{key}.bpmn")
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        line = exc.line_number if isinstance(exc.line_number, int) else None
        raise BpmnProblems([Problem(str(exc.args[0]) if exc.args else str(exc),
                                    exc.id or None, line)]) from None
    except SpiffWorkflowException as exc:
        raise BpmnProblems([Problem(str(exc))]) from None
    except Exception as exc:  # the parser raises plain errors on some malformed diagrams
        raise BpmnProblems([Problem(f"The engine cannot read this diagram: {exc}")]) from None

    process_el = root.xpath(f"//bpmn:process[@id='{key}']", namespaces=NSMAP)[0]
    name = process_el.get("name") or key
    docs = process_el.xpath("bpmn:documentation/text()", namespaces=NSMAP)
    description = " ".join(" ".join(docs).split()) or None
    user_tasks = {}
    start_roles: set[str] = set()
    for each in _all_specs(spec, subprocess_specs):
        for task_spec in each.task_specs.values():
            if isinstance(task_spec, UserTask):
                described = describe_user_task(task_spec)
                user_tasks[described.name] = described
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and task_spec.lane:
            start_roles.add(role_key(task_spec.lane))
    return ParsedModel(key=key, name=name, spec=spec, subprocess_specs=subprocess_specs,
                       start_roles=sorted(start_roles), user_tasks=user_tasks, tree=root,
                       description=description)
