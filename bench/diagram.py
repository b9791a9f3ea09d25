"""The benchmark diagram: start → parallel fork → N user tasks → parallel join → end.

`bench/processes/bench_parallel.bpmn` is `build_diagram(5)`; run this module to rewrite it
(`.venv/bin/python bench/diagram.py`). Every node sits in one lane, "Social Worker", so each
task's role is `social_worker`; each task uses the form `bench/note.schema.json` and is due in
5 working days.
"""
from __future__ import annotations

from pathlib import Path

PROCESS_KEY = "bench_parallel"
FORM = "bench/note.schema.json"
DEFAULT_TASKS = 5
DIAGRAM_PATH = Path(__file__).resolve().parent / "processes" / f"{PROCESS_KEY}.bpmn"


def build_diagram(tasks: int = DEFAULT_TASKS) -> str:
    """BPMN XML for a parallel fan-out to `tasks` user tasks, all in the Social Worker lane."""
    if tasks < 1:
        raise ValueError("at least one user task is needed")
    names = [f"task_{k}" for k in range(1, tasks + 1)]
    nodes = ["start", "fork", *names, "join", "end"]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
        '                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
        '                  id="bench_definitions" targetNamespace="http://panelflow.bench/bpmn">',
        f'  <bpmn:process id="{PROCESS_KEY}" name="Benchmark: {tasks} parallel notes"'
        ' isExecutable="true">',
        '    <bpmn:laneSet id="bench_lanes">',
        '      <bpmn:lane id="lane_social_worker" name="Social Worker">',
        *[f"        <bpmn:flowNodeRef>{node}</bpmn:flowNodeRef>" for node in nodes],
        "      </bpmn:lane>",
        "    </bpmn:laneSet>",
        '    <bpmn:startEvent id="start" name="Start">',
        "      <bpmn:outgoing>to_fork</bpmn:outgoing>",
        "    </bpmn:startEvent>",
        '    <bpmn:sequenceFlow id="to_fork" sourceRef="start" targetRef="fork"/>',
        '    <bpmn:parallelGateway id="fork" name="Fan out">',
        "      <bpmn:incoming>to_fork</bpmn:incoming>",
        *[f"      <bpmn:outgoing>fork_{name}</bpmn:outgoing>" for name in names],
        "    </bpmn:parallelGateway>",
    ]
    for k, name in enumerate(names, start=1):
        lines += [
            f'    <bpmn:sequenceFlow id="fork_{name}" sourceRef="fork" targetRef="{name}"/>',
            f'    <bpmn:userTask id="{name}" name="Write note {k}">',
            "      <bpmn:extensionElements>",
            "        <spiffworkflow:properties>",
            f'          <spiffworkflow:property name="formJsonSchemaFilename" value="{FORM}"/>',
            '          <spiffworkflow:property name="dueInWorkingDays" value="5"/>',
            "        </spiffworkflow:properties>",
            "      </bpmn:extensionElements>",
            f"      <bpmn:incoming>fork_{name}</bpmn:incoming>",
            f"      <bpmn:outgoing>{name}_join</bpmn:outgoing>",
            "    </bpmn:userTask>",
            f'    <bpmn:sequenceFlow id="{name}_join" sourceRef="{name}" targetRef="join"/>',
        ]
    lines += [
        '    <bpmn:parallelGateway id="join" name="All notes written">',
        *[f"      <bpmn:incoming>{name}_join</bpmn:incoming>" for name in names],
        "      <bpmn:outgoing>to_end</bpmn:outgoing>",
        "    </bpmn:parallelGateway>",
        '    <bpmn:sequenceFlow id="to_end" sourceRef="join" targetRef="end"/>',
        '    <bpmn:endEvent id="end" name="Done">',
        "      <bpmn:incoming>to_end</bpmn:incoming>",
        "    </bpmn:endEvent>",
        "  </bpmn:process>",
        "</bpmn:definitions>",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    DIAGRAM_PATH.parent.mkdir(parents=True, exist_ok=True)
    DIAGRAM_PATH.write_text(build_diagram(DEFAULT_TASKS))
    print(f"wrote {DIAGRAM_PATH}")
