"""Turning BPMN XML into executable specs, and describing what our app reads from them.

The engine wrapper knows nothing about Flask or the database: it takes XML and gives back
specs, or a list of problems each tied to an element and a line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
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
    # Who is sent a decision step's decision the same day (decisionNotify): "initiator", a
    # role key, "team_manager" (the case's team's), each optionally "... if <condition>".
    decision_notify: tuple[str, ...] = ()
    # Segregation of duties: "initiator" and/or ids of earlier steps whose doer may not do
    # this one (an approval must not be given by the person who asked).
    separate_from: tuple[str, ...] = ()
    # The user tasks whose decision sends the work straight back into this one (a request
    # returned to be amended); see `returns_into`.
    returned_from: frozenset[str] = frozenset()
    # Done for every case of a team listed on the same meeting together, on one page
    # (app/services/team_updates.py): e.g. PCT's team manager's update for all their families.
    one_per_team_per_meeting: bool = False


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
    # The form for what a person may give when starting a case (the start event's
    # formJsonSchemaFilename); without one a case starts with no data but its subject.
    start_form: str | None = None
    # How long a closed case's records are kept (app/services/retention.py), from the
    # process's own properties, e.g. {"years_after_close": 7} or {"until_age": 75}.
    retention: dict | None = None


XINCLUDE_NS = "http://www.w3.org/2001/XInclude"


def read_xml(xml: bytes | str) -> etree._Element:
    """Parse XML safely (no entities, no network) or raise BpmnProblems.

    A diagram may not have a DOCTYPE (its entities are never expanded, so one would only leave
    unreadable references in scripts) nor XInclude elements (never followed, so the diagram
    would validate and then fail when a case starts).
    """
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=False,
                             load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnProblems([Problem(f"Not well-formed XML: {exc.msg}", None, exc.lineno)]) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise BpmnProblems([Problem(
            "The diagram has a DOCTYPE; BPMN needs none, and entity declarations are not "
            "accepted: remove it", None, 1)])
    included = [el for el in root.iter() if isinstance(el.tag, str)
                and el.tag.startswith("{" + XINCLUDE_NS + "}")]
    if included:
        raise BpmnProblems([Problem(
            "XInclude is not supported: put the included content in the diagram itself",
            _owner_id(el), el.sourceline) for el in included])
    return root


def _owner_id(element: etree._Element) -> str | None:
    while element is not None:
        if isinstance(element.tag, str) and element.get("id"):
            return element.get("id")
        element = element.getparent()
    return None


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


def split_top_level(text: str) -> tuple[str, ...]:
    """Comma-separated entries, ignoring commas inside brackets or quotes (a condition's)."""
    entries, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            entries.append(current)
            current = ""
            continue
        current += char
    entries.append(current)
    return tuple(entry.strip() for entry in entries if entry.strip())


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
        one_per_team_per_meeting=props.get("onePerTeamPerMeeting", "").strip() == "true",
        decision_notify=split_top_level(props.get("decisionNotify", "")),
        separate_from=tuple(re.split(r"[\s,]+", props.get("separateFrom", "").strip()))
        if props.get("separateFrom", "").strip() else (),
    )


# Elements the work passes straight through on its way from one user task to the next; any
# other element (a timer or message to wait for, a call activity, another task) starts anew.
_PASS_THROUGH = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                           "complexGateway", "scriptTask", "serviceTask", "businessRuleTask",
                           "intermediateThrowEvent"})
_DECISIONS = frozenset({"exclusiveGateway", "inclusiveGateway", "complexGateway"})


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _back_edges(nodes: dict[str, str], edges: dict[str, list[str]]) -> set[tuple[str, str]]:
    """The flows that go back to an element already on the way from a start event (a loop)."""
    back: set[tuple[str, str]] = set()
    seen: set[str] = set()
    starts = [n for n, kind in nodes.items() if kind == "startEvent"] + sorted(nodes)
    for root in starts:
        if root in seen:
            continue
        seen.add(root)
        on_path = {root}
        stack = [(root, iter(edges.get(root, ())))]
        while stack:
            node, successors = stack[-1]
            following = next(successors, None)
            if following is None:
                stack.pop()
                on_path.discard(node)
            elif following in on_path:
                back.add((node, following))
            elif following not in seen:
                seen.add(following)
                on_path.add(following)
                stack.append((following, iter(edges.get(following, ()))))
    return back


def returns_into(root: etree._Element) -> dict[str, frozenset[str]]:
    """For each user task, the user tasks that can send the work straight back into it.

    A return is a decision (an exclusive or inclusive gateway) taken after user task R that
    leads, through nothing that waits, back along a loop into user task T (R ≠ T): the
    request R reviewed goes back to the step that wrote it, to be amended. When T comes round
    in any other way (a review after a resubmission, the next meeting, the next visit), it
    is a new round and opens without its own earlier answers.
    """
    found: dict[str, set[str]] = {}
    for container in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
        nodes = {el.get("id"): _local(el) for el in container
                 if isinstance(el.tag, str) and el.get("id") and _local(el) not in (
                     "sequenceFlow", "laneSet", "documentation", "extensionElements")}
        edges: dict[str, list[str]] = {}
        for el in container:
            if not isinstance(el.tag, str):
                continue
            if _local(el) == "sequenceFlow":
                edges.setdefault(el.get("sourceRef"), []).append(el.get("targetRef"))
            elif _local(el) == "boundaryEvent" and el.get("attachedToRef"):
                edges.setdefault(el.get("attachedToRef"), []).append(el.get("id"))
        back = _back_edges(nodes, edges)
        for reviewer, kind in nodes.items():
            if kind != "userTask":
                continue
            stack = [(reviewer, False)]
            visited = set()
            while stack:
                node, decided = stack.pop()
                for following in edges.get(node, ()):
                    kind_next = nodes.get(following)
                    if kind_next == "userTask":
                        if decided and following != reviewer and (node, following) in back:
                            found.setdefault(following, set()).add(reviewer)
                    elif kind_next in _PASS_THROUGH:
                        state = (following, decided or kind_next in _DECISIONS)
                        if state not in visited:
                            visited.add(state)
                            stack.append(state)
    return {task: frozenset(reviewers) for task, reviewers in found.items()}


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
    returns = returns_into(root)
    for each in _all_specs(spec, subprocess_specs):
        for task_spec in each.task_specs.values():
            if isinstance(task_spec, UserTask):
                described = describe_user_task(task_spec)
                user_tasks[described.name] = replace(
                    described, returned_from=returns.get(described.name, frozenset()))
    retention = retention_rule(process_el)
    start_form = None
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, StartEvent) and task_spec.lane:
            start_roles.add(role_key(task_spec.lane))
        if isinstance(task_spec, StartEvent):
            start_form = start_form or _properties(task_spec).get("formJsonSchemaFilename")
    return ParsedModel(key=key, name=name, spec=spec, subprocess_specs=subprocess_specs,
                       start_roles=sorted(start_roles), user_tasks=user_tasks, tree=root,
                       description=description, start_form=start_form,
                       retention=retention)


SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# The process's properties that set its retention rule, and the rule each one gives.
RETENTION_PROPERTIES = {"retainYearsAfterClose": "years_after_close",
                        "retainUntilAge": "until_age"}


def retention_rule(process_el: etree._Element) -> dict | None:
    """The retention rule a process owner set on the process (not a step), in the diagram so
    that information governance's rule for a pathway travels with its diagram and changes
    without a developer: `retainYearsAfterClose` (whole years after the case closed) or
    `retainUntilAge` (until the child's birthday of that age, from their date of birth).
    Raises BpmnProblems for anything else, so a mistyped rule is refused at deployment."""
    found = {}
    for prop in process_el.xpath(
            "bpmn:extensionElements/spiff:properties/spiff:property",
            namespaces={**NSMAP, "spiff": SPIFF_NS}):
        name, value = prop.get("name"), (prop.get("value") or "").strip()
        if name not in RETENTION_PROPERTIES:
            continue
        if not value.isdigit() or not 0 < int(value) <= 150:
            raise BpmnProblems([Problem(
                f"{name} must be a whole number of years from 1 to 150, not {value!r}",
                process_el.get("id"), prop.sourceline)])
        found[RETENTION_PROPERTIES[name]] = int(value)
    if len(found) > 1:
        raise BpmnProblems([Problem(
            "Give the process one retention rule: retainYearsAfterClose or retainUntilAge",
            process_el.get("id"), process_el.sourceline)])
    return found or None
