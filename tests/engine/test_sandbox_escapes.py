"""The first sandbox tests, kept beside the fuller suite in test_sandbox.py: escapes and basics."""
from __future__ import annotations

import pytest
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from app.engine.sandbox import (
    SafeEnvironment,
    UnsafeExpressionError,
    check_expression,
    check_script,
    make_script_engine,
)

env = SafeEnvironment()


@pytest.mark.parametrize(("expression", "data", "expected"), [
    ('decision == "approved"', {"decision": "approved"}, True),
    ('decision in ("approved", "approved_with_conditions")', {"decision": "declined"}, False),
    ("cost > 5000 and not urgent", {"cost": 7500, "urgent": False}, True),
    ('"P42D"', {}, "P42D"),
    ('review_date + "T09:00:00+00:00"', {"review_date": "2027-03-09"},
     "2027-03-09T09:00:00+00:00"),
    ("(datetime.fromisoformat(d) + timedelta(days=7)).date().isoformat()",
     {"d": "2027-01-01T10:00:00"}, "2027-01-08"),
    ("len([x for x in items if x > 1])", {"items": [1, 2, 3]}, 2),
    ("max(a, b) ** 2", {"a": 3, "b": 4}, 16),
    ('f"{name}-{n}"', {"name": "C", "n": 2}, "C-2"),
    ('"ab" * 3', {}, "ababab"),
    ("date", {"date": "2027-01-01"}, "2027-01-01"),  # task data shadows the helper
])
def test_ordinary_expressions_work(expression, data, expected):
    assert check_expression(expression) is None
    assert env.evaluate(expression, dict(data)) == expected


def test_scripts_set_variables_but_leave_no_helpers_behind():
    data = {"cost": 100, "old": 1}
    env.execute("total = cost * 2\nweeks = [w for w in range(3)]\ndel old\nwhen = date", data)
    assert data == {"cost": 100, "total": 200, "weeks": [0, 1, 2]}


ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os')",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('x=1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, '_' + '_class__')",
    "globals()",
    "vars()",
    "locals()",
    "type(x)",
    "breakpoint()",
    "input()",
    '"{0.__class__}".format(x)',
    '"{x.__class__}".format_map({"x": x})',
    "str.mro()",
    "(y for y in []).gi_frame.f_globals",
    "(lambda: 1).__globals__",
    "lambda: 1",
    "x.__dict__",
    "_private",
    "datetime.now.__self__",
    "2 ** 10 ** 10",
    '"a" * 10 ** 7',
    "list(range(10 ** 8))",
    '"a".ljust(10 ** 9)',
]


@pytest.mark.parametrize("source", ESCAPES)
def test_known_escapes_and_bombs_fail(source):
    checked = check_expression(source)
    with pytest.raises((UnsafeExpressionError, NameError, TypeError)):
        if checked is not None:
            raise UnsafeExpressionError(checked)
        env.evaluate(source, {"x": 1})


@pytest.mark.parametrize("script", [
    "import os",
    "from os import environ",
    "import subprocess\nsubprocess.run(['id'])",
    "def f():\n    return 1",
    "class A:\n    pass",
    "while True:\n    pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "global x",
    "x.attr = 1",
    "with open('/tmp/x', 'w') as f:\n    f.write('x')",
])
def test_forbidden_statements_are_reported(script):
    assert check_script(script) is not None
    with pytest.raises(UnsafeExpressionError):
        env.execute(script, {"x": 1})


def test_augmented_power_bombs_fail_when_run():
    with pytest.raises(UnsafeExpressionError):
        env.execute("x **= 100000", {"x": 10})


def test_names_in_messages_help_the_process_owner():
    assert check_expression("x.__class__") == "names starting with '_' are not allowed: __class__"
    assert check_script("import os") == "import is not allowed"
    assert check_expression("a ==") .startswith("invalid syntax")


DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://panelflow.test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _run(script: str) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(DIAGRAM.format(script=script).encode())
    workflow = BpmnWorkflow(parser.get_spec("p"), script_engine=make_script_engine())
    workflow.do_engine_steps()
    return workflow


def test_a_real_workflow_runs_allowed_scripts():
    workflow = _run("answer = 6 * 7")
    assert workflow.is_completed()
    assert workflow.data["answer"] == 42


@pytest.mark.parametrize("script", [
    "import os\nopen({path!r}, 'w').write('x')",
    "f = open({path!r}, 'w')",
    "x = ().__class__.__base__.__subclasses__()",
    "x = __import__('os').system('touch {path}')",
])
def test_a_real_workflow_cannot_write_files(tmp_path, script):
    target = tmp_path / "escaped"
    with pytest.raises(Exception, match="not allowed|not defined"):
        _run(script.format(path=str(target)))
    assert not target.exists()


def test_environment_variables_are_out_of_reach(monkeypatch):
    monkeypatch.setenv("PANELFLOW_SECRET_TEST", "s3cret")
    with pytest.raises(Exception, match="not allowed"):
        _run("leak = __import__('os').environ['PANELFLOW_SECRET_TEST']")
