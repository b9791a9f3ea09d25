"""Small BPMN documents built in code, for engine and deployment tests."""
from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'id="defs" targetNamespace="http://panelflow.test/bpmn">\n'
)


def user_task(task_id: str, name: str, form: str | None, extra_props: str = "",
              incoming: str = "", outgoing: str = "") -> str:
    props = ""
    if form:
        props += f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}"/>'
    props += extra_props
    return (
        f'<bpmn:userTask id="{task_id}" name="{name}"><bpmn:extensionElements>'
        f"<spiffworkflow:properties>{props}</spiffworkflow:properties>"
        f"<spiffworkflow:instructionsForEndUser>Instructions for {name}"
        f"</spiffworkflow:instructionsForEndUser></bpmn:extensionElements>"
        f"{incoming}{outgoing}</bpmn:userTask>"
    )


def start_event(form: str | None) -> str:
    props = ("<bpmn:extensionElements><spiffworkflow:properties>"
             f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}"/>'
             "</spiffworkflow:properties></bpmn:extensionElements>") if form else ""
    return f'<bpmn:startEvent id="start">{props}<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'


def two_step(key: str = "two_step", form: str = "test/note.schema.json",
             timer: str = '"P7D"', condition: str = 'outcome == "wait"',
             second_lane: str = "Team Manager", first_props: str = "",
             start_lane: str | None = "Social Worker", script: str | None = None,
             start_form: str | None = "test/start.schema.json") -> str:
    """Start → first (social worker) → second (team manager) → gateway → [timer →] end.

    A script task, when given, runs between the two user tasks. The start form (a note, by
    default) says what data a case may be started with.
    """
    start_ref = "<bpmn:flowNodeRef>start</bpmn:flowNodeRef>"
    first_ref = "<bpmn:flowNodeRef>first</bpmn:flowNodeRef>"
    lane1_refs = ("" if start_lane is None else start_ref) + first_ref
    lane2_refs = "".join(
        f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ("second", "gw", "wait", "end", "s"))
    script_task = ""
    to_second = "f2"
    if script is not None:
        script_task = (
            '<bpmn:scriptTask id="s" name="Script"><bpmn:incoming>f2</bpmn:incoming>'
            f"<bpmn:outgoing>f2b</bpmn:outgoing><bpmn:script>{script}</bpmn:script>"
            "</bpmn:scriptTask>"
            '<bpmn:sequenceFlow id="f2b" sourceRef="s" targetRef="second"/>'
        )
        to_second = "f2b"
    else:
        lane2_refs = lane2_refs.replace("<bpmn:flowNodeRef>s</bpmn:flowNodeRef>", "")
    return HEADER + (
        f'<bpmn:process id="{key}" name="Test {key}" isExecutable="true">'
        '<bpmn:laneSet id="lanes">'
        f'<bpmn:lane id="lane_sw" name="Social Worker">{lane1_refs}</bpmn:lane>'
        f'<bpmn:lane id="lane_tm" name="{second_lane}">{lane2_refs}</bpmn:lane>'
        "</bpmn:laneSet>"
        + start_event(start_form)
        + user_task("first", "First step", form,
                    '<spiffworkflow:property name="assignTo" value="initiator"/>'
                    '<spiffworkflow:property name="dueInWorkingDays" value="2"/>' + first_props,
                    "<bpmn:incoming>f1</bpmn:incoming>", "<bpmn:outgoing>f2</bpmn:outgoing>")
        + script_task
        + user_task("second", "Second step", form,
                    '<spiffworkflow:property name="dueIn" value="P3D"/>',
                    f"<bpmn:incoming>{to_second}</bpmn:incoming>",
                    "<bpmn:outgoing>f3</bpmn:outgoing>")
        + '<bpmn:exclusiveGateway id="gw" default="f5"><bpmn:incoming>f3</bpmn:incoming>'
        '<bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>'
        '<bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:incoming>f4</bpmn:incoming>'
        f"<bpmn:outgoing>f6</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration>{timer}"
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>'
        "</bpmn:endEvent>"
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="first"/>'
        f'<bpmn:sequenceFlow id="f2" sourceRef="first" targetRef="{"s" if script else "second"}"/>'
        f'<bpmn:sequenceFlow id="f3" sourceRef="second" targetRef="gw"/>'
        f'<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="wait"><bpmn:conditionExpression>'
        f"{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>"
        '<bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="end"/>'
        '<bpmn:sequenceFlow id="f6" sourceRef="wait" targetRef="end"/>'
        "</bpmn:process></bpmn:definitions>"
    )


NOTE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Note",
    "properties": {
        "outcome": {"type": "string", "title": "Outcome", "enum": ["wait", "finish", "boom"]},
        "note": {"type": "string", "title": "Note", "maxLength": 200},
        "when": {"type": "string", "title": "Date of visit", "format": "date"},
    },
    "required": ["outcome"],
}


def review_loop(key: str = "review_loop") -> str:
    """Start → request (social worker) → review (team manager) → returned? → back to request,
    or → end. The review's form also shows the request's summary."""
    lane_sw = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ("start", "request"))
    lane_tm = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ("review", "gw", "end"))
    return HEADER + (
        f'<bpmn:process id="{key}" name="Test {key}" isExecutable="true">'
        '<bpmn:laneSet id="lanes">'
        f'<bpmn:lane id="lane_sw" name="Social Worker">{lane_sw}</bpmn:lane>'
        f'<bpmn:lane id="lane_tm" name="Team Manager">{lane_tm}</bpmn:lane>'
        "</bpmn:laneSet>"
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
        + user_task("request", "Request", "test/request.schema.json",
                    '<spiffworkflow:property name="assignTo" value="initiator"/>',
                    "<bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>",
                    "<bpmn:outgoing>f2</bpmn:outgoing>")
        + user_task("review", "Review", "test/review.schema.json", "",
                    "<bpmn:incoming>f2</bpmn:incoming>", "<bpmn:outgoing>f3</bpmn:outgoing>")
        + '<bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f3</bpmn:incoming>'
        '<bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>'
        '<bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="request"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="request" targetRef="review"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="gw"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="request"/>'
        '<bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="end"><bpmn:conditionExpression>'
        'outcome == "accept"</bpmn:conditionExpression></bpmn:sequenceFlow>'
        "</bpmn:process></bpmn:definitions>"
    )


REQUEST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Request",
    "properties": {
        "summary": {"type": "string", "title": "Summary", "maxLength": 200},
        "plan": {"type": "string", "title": "Plan", "maxLength": 200},
    },
    "required": ["summary"],
}

REVIEW_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Review",
    "properties": {
        "summary": {"type": "string", "title": "Summary", "readOnly": True},
        "outcome": {"type": "string", "title": "Outcome",
                    "oneOf": [{"const": "accept", "title": "Accept"},
                              {"const": "return", "title": "Return it"}]},
        "comments": {"type": "string", "title": "Comments", "maxLength": 200},
    },
    "required": ["outcome"],
}

START_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Start",
    "properties": {
        "note": {"type": "string", "title": "Note", "maxLength": 200},
        "priority": {"type": "integer", "title": "Priority", "minimum": 1, "maximum": 3},
    },
}


# Loops that run for a long time, for the compaction tests (tests/engine/test_compaction.py).
# Gateways leave the loop when `done` is true; user tasks have no forms (the engine alone).
def _flows(*pairs: tuple[str, str, str] | tuple[str, str, str, str]) -> str:
    out = []
    for flow_id, source, target, *condition in pairs:
        body = (f"<bpmn:conditionExpression>{condition[0]}</bpmn:conditionExpression>"
                if condition else "")
        out.append(f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" '
                   f'targetRef="{target}">{body}</bpmn:sequenceFlow>')
    return "".join(out)


def _node(kind: str, node_id: str, incoming: list[str], outgoing: list[str],
          attrs: str = "", inner: str = "") -> str:
    flows = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming)
    flows += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing)
    return f'<bpmn:{kind} id="{node_id}"{attrs}>{flows}{inner}</bpmn:{kind}>'


def _process(key: str, body: str, executable: bool = True) -> str:
    return (f'<bpmn:process id="{key}" name="Test {key}" isExecutable="{str(executable).lower()}">'
            f"{body}</bpmn:process>")


def parallel_loop(key: str = "parallel_loop") -> str:
    """Start → fork → (a, b) → join → done? → back to the fork, or end."""
    return HEADER + _process(key, "".join([
        _node("startEvent", "start", [], ["f1"]),
        _node("parallelGateway", "fork", ["f1", "f7"], ["f2", "f3"]),
        _node("userTask", "a", ["f2"], ["f4"], ' name="A"'),
        _node("userTask", "b", ["f3"], ["f5"], ' name="B"'),
        _node("parallelGateway", "join", ["f4", "f5"], ["f6"]),
        _node("exclusiveGateway", "again", ["f6"], ["f7", "f8"], ' default="f7"'),
        _node("endEvent", "end", ["f8"], []),
        _flows(("f1", "start", "fork"), ("f2", "fork", "a"), ("f3", "fork", "b"),
               ("f4", "a", "join"), ("f5", "b", "join"), ("f6", "join", "again"),
               ("f7", "again", "fork"), ("f8", "again", "end", "done")),
    ])) + "</bpmn:definitions>"


def timer_loop(key: str = "timer_loop") -> str:
    """Start → visit (a one-day interrupting timer on its edge leads to chase → back to
    visit) → done? → back to visit, or end."""
    timer = ('<bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration>'
             "</bpmn:timerEventDefinition>")
    return HEADER + _process(key, "".join([
        _node("startEvent", "start", [], ["f1"]),
        _node("userTask", "visit", ["f1", "f3", "f5"], ["f2"], ' name="Visit"'),
        _node("boundaryEvent", "late", [], ["f4"], ' attachedToRef="visit"', timer),
        _node("userTask", "chase", ["f4"], ["f5"], ' name="Chase"'),
        _node("exclusiveGateway", "again", ["f2"], ["f3", "f6"], ' default="f3"'),
        _node("endEvent", "end", ["f6"], []),
        _flows(("f1", "start", "visit"), ("f2", "visit", "again"), ("f3", "again", "visit"),
               ("f4", "late", "chase"), ("f5", "chase", "visit"), ("f6", "again", "end", "done")),
    ])) + "</bpmn:definitions>"


def call_loop(key: str = "call_loop") -> str:
    """Start → call `review_round` (its own loop: check → more? → check, or end) → done? →
    back to the call, or end."""
    called = _process("review_round", "".join([
        _node("startEvent", "s_start", [], ["g1"]),
        _node("userTask", "check", ["g1", "g3"], ["g2"], ' name="Check"'),
        _node("exclusiveGateway", "more", ["g2"], ["g3", "g4"], ' default="g4"'),
        _node("endEvent", "s_end", ["g4"], []),
        _flows(("g1", "s_start", "check"), ("g2", "check", "more"),
               ("g3", "more", "check", "more_checks"), ("g4", "more", "s_end")),
    ]))
    return HEADER + _process(key, "".join([
        _node("startEvent", "start", [], ["f1"]),
        _node("callActivity", "round", ["f1", "f3"], ["f2"], ' calledElement="review_round"'),
        _node("exclusiveGateway", "again", ["f2"], ["f3", "f4"], ' default="f3"'),
        _node("endEvent", "end", ["f4"], []),
        _flows(("f1", "start", "round"), ("f2", "round", "again"), ("f3", "again", "round"),
               ("f4", "again", "end", "done")),
    ])) + called + "</bpmn:definitions>"
