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
        # A start form with the request's questions, none required: a case may begin with
        # its summary.
        '<bpmn:startEvent id="start"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" '
        'value="test/request-start.schema.json"/></spiffworkflow:properties>'
        '</bpmn:extensionElements><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>'
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

REQUEST_START_SCHEMA = {**REQUEST_SCHEMA, "title": "Start a request", "required": []}

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

# Versions for moving running cases (tests/engine/test_migration.py, tests/api/test_migrations.py)

def _lanes(sw: list[str], tm: list[str], prefix: str = "") -> str:
    def refs(ids: list[str]) -> str:
        return "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in ids)
    return (f'<bpmn:laneSet id="{prefix}lanes">'
            f'<bpmn:lane id="{prefix}lane_sw" name="Social Worker">{refs(sw)}</bpmn:lane>'
            f'<bpmn:lane id="{prefix}lane_tm" name="Team Manager">{refs(tm)}</bpmn:lane>'
            "</bpmn:laneSet>")


def _flows(*pairs: tuple[str, str, str]) -> str:
    return "".join(f'<bpmn:sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}"/>'
                   for f, a, b in pairs)


def _step(task_id: str, name: str, incoming: list[str], outgoing: list[str],
          props: str = "", form: str = "test/note.schema.json") -> str:
    return user_task(task_id, name, form, props,
                     "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming),
                     "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing))


def review_loop_versions(key: str = "review_loop", review: str = "review",
                         check: bool = False) -> str:
    """review_loop, with the review step's id changed, or a check after the review."""
    base = review_loop(key).replace('"review"', f'"{review}"')
    if not check:
        return base
    step = _step("check", "Check", ["f3"], ["f3b"])
    return (base.replace('<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>',
                         '<bpmn:flowNodeRef>check</bpmn:flowNodeRef>'
                         '<bpmn:flowNodeRef>gw</bpmn:flowNodeRef>')
            .replace('<bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f3',
                     step + '<bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f3b')
            .replace(f'<bpmn:sequenceFlow id="f3" sourceRef="{review}" targetRef="gw"/>',
                     f'<bpmn:sequenceFlow id="f3" sourceRef="{review}" targetRef="check"/>'
                     + _flows(("f3b", "check", "gw"))))


def parallel(key: str = "parallel", record: bool = False, check: str = "check") -> str:
    """Start → fork → (visit, social worker) and (check, team manager) → join → [record →]
    decide → end."""
    after_join = "decide"
    extra = ""
    flows = [("p1", "start", "fork"), ("p2", "fork", "visit"), ("p3", "fork", check),
             ("p4", "visit", "join"), ("p5", check, "join"), ("p7", "decide", "end")]
    if record:
        after_join = "record"
        extra = _step("record", "Record", ["p6"], ["p6b"])
        flows.append(("p6b", "record", "decide"))
    flows.append(("p6", "join", after_join))
    return HEADER + (
        f'<bpmn:process id="{key}" name="Test {key}" isExecutable="true">'
        + _lanes(["start", "fork", "visit"], [check, "join", "decide", "end"]
                 + (["record"] if record else []))
        + '<bpmn:startEvent id="start"><bpmn:outgoing>p1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:parallelGateway id="fork"><bpmn:incoming>p1</bpmn:incoming>'
        '<bpmn:outgoing>p2</bpmn:outgoing><bpmn:outgoing>p3</bpmn:outgoing></bpmn:parallelGateway>'
        + _step("visit", "Visit", ["p2"], ["p4"])
        + _step(check, "Check", ["p3"], ["p5"])
        + '<bpmn:parallelGateway id="join"><bpmn:incoming>p4</bpmn:incoming>'
        '<bpmn:incoming>p5</bpmn:incoming><bpmn:outgoing>p6</bpmn:outgoing></bpmn:parallelGateway>'
        + extra
        + _step("decide", "Decide", ["p6b" if record else "p6"], ["p7"])
        + '<bpmn:endEvent id="end"><bpmn:incoming>p7</bpmn:incoming></bpmn:endEvent>'
        + _flows(*flows) + "</bpmn:process></bpmn:definitions>")


def boundary_timer(key: str = "boundary", timer: str = '"P7D"', escalate: str = "escalate") -> str:
    """Start → visit (social worker, with an interrupting timer `remind`) → end; the timer
    leads to an escalation step for the team manager."""
    return HEADER + (
        f'<bpmn:process id="{key}" name="Test {key}" isExecutable="true">'
        + _lanes(["start", "visit", "end"], ["remind", escalate, "end2"])
        + '<bpmn:startEvent id="start"><bpmn:outgoing>b1</bpmn:outgoing></bpmn:startEvent>'
        + _step("visit", "Visit", ["b1"], ["b2"],
                '<spiffworkflow:property name="assignTo" value="initiator"/>'
                '<spiffworkflow:property name="dueIn" value="P10D"/>')
        + '<bpmn:boundaryEvent id="remind" name="Remind" attachedToRef="visit">'
        f'<bpmn:outgoing>b3</bpmn:outgoing><bpmn:timerEventDefinition><bpmn:timeDuration>{timer}'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
        + _step(escalate, "Escalate", ["b3"], ["b4"])
        + '<bpmn:endEvent id="end"><bpmn:incoming>b2</bpmn:incoming></bpmn:endEvent>'
        '<bpmn:endEvent id="end2"><bpmn:incoming>b4</bpmn:incoming></bpmn:endEvent>'
        + _flows(("b1", "start", "visit"), ("b2", "visit", "end"), ("b3", "remind", escalate),
                 ("b4", escalate, "end2"))
        + "</bpmn:process></bpmn:definitions>")


def call_activity(key: str = "caller", inner_extra: bool = False) -> str:
    """Start → call `inner` (start → inner_task [→ inner_more] → end) → after → end."""
    more = ""
    inner_flows = [("i1", "inner_start", "inner_task")]
    if inner_extra:
        more = _step("inner_more", "More inside", ["i2"], ["i3"])
        inner_flows += [("i2", "inner_task", "inner_more"), ("i3", "inner_more", "inner_end")]
    else:
        inner_flows.append(("i2", "inner_task", "inner_end"))
    return HEADER + (
        f'<bpmn:process id="{key}" name="Test {key}" isExecutable="true">'
        + _lanes(["start", "call", "end"], ["after"])
        + '<bpmn:startEvent id="start"><bpmn:outgoing>c1</bpmn:outgoing></bpmn:startEvent>'
        '<bpmn:callActivity id="call" name="Call inner" calledElement="inner">'
        '<bpmn:incoming>c1</bpmn:incoming><bpmn:outgoing>c2</bpmn:outgoing></bpmn:callActivity>'
        + _step("after", "After", ["c2"], ["c3"])
        + '<bpmn:endEvent id="end"><bpmn:incoming>c3</bpmn:incoming></bpmn:endEvent>'
        + _flows(("c1", "start", "call"), ("c2", "call", "after"), ("c3", "after", "end"))
        + "</bpmn:process>"
        '<bpmn:process id="inner" name="Inner" isExecutable="true">'
        + _lanes(["inner_start", "inner_task", "inner_end"] + (["inner_more"] if more else []),
                 [], prefix="inner_")
        + '<bpmn:startEvent id="inner_start"><bpmn:outgoing>i1</bpmn:outgoing></bpmn:startEvent>'
        + _step("inner_task", "Inside", ["i1"], ["i2"]) + more
        + f'<bpmn:endEvent id="inner_end"><bpmn:incoming>{"i3" if more else "i2"}'
        "</bpmn:incoming></bpmn:endEvent>"
        + _flows(*inner_flows) + "</bpmn:process></bpmn:definitions>")


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
