"""The restricted environment for diagram expressions and scripts: what works, what escapes fail.

No mocks: each escape is run for real, through the environment and through a SpiffWorkflow
workflow, and a control test shows the same diagram does escape under the default engine.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.engine import sandbox
from app.engine.sandbox import (
    SafeEnvironment,
    SandboxLimitError,
    SandboxLimits,
    UnsafeExpressionError,
    check_expression,
    check_script,
    make_script_engine,
)

env = SafeEnvironment()


# --------------------------------------------------------------------------- what works

@pytest.mark.parametrize(("expression", "data", "expected"), [
    ('decision == "approved"', {"decision": "approved"}, True),
    ('decision in ("approved", "approved_with_conditions")', {"decision": "declined"}, False),
    ("cost > 5000 and not urgent or override", {"cost": 7500, "urgent": False,
                                               "override": False}, True),
    ("(a + b) * 2 - c / 4 if a < b else 0", {"a": 1, "b": 2, "c": 8}, 4.0),
    ('"P42D"', {}, "P42D"),
    ('review_date + "T09:00:00+00:00"', {"review_date": "2027-03-09"},
     "2027-03-09T09:00:00+00:00"),
    ("(datetime.fromisoformat(d) + timedelta(days=7)).isoformat()",
     {"d": "2027-01-01T10:00:00"}, "2027-01-08T10:00:00"),
    ("datetime(2027, 1, 1, tzinfo=timezone.utc) - timedelta(hours=1)", {},
     datetime(2026, 12, 31, 23, 0, tzinfo=sandbox.timezone.utc)),
    ("date.fromisoformat(d).strftime('%d %B %Y')", {"d": "2027-01-05"}, "05 January 2027"),
    ("datetime.strptime(d, '%d/%m/%Y').date().isoformat()", {"d": "05/01/2027"}, "2027-01-05"),
    ("sum([timedelta(days=1)] * 3, timedelta())", {}, timedelta(days=3)),
    ("len([x for x in items if x > 1])", {"items": [1, 2, 3]}, 2),
    ("max(a, b) ** 2", {"a": 3, "b": 4}, 16),
    ('f"{ref}-{n:04d}"', {"ref": "C", "n": 42}, "C-0042"),
    ('"%s/%03d" % (ref, n)', {"ref": "C", "n": 7}, "C/007"),
    ('", ".join(sorted(names)).replace("a", "A")', {"names": ["bea", "al"]}, "Al, beA"),
    ('str(n).zfill(5)', {"n": 42}, "00042"),
    ('"ab" * 3', {}, "ababab"),
    ("round(2.567, 2)", {}, 2.57),
    ("date", {"date": "2027-01-01"}, "2027-01-01"),  # task data shadows the helper
    ("flag", {"flag": True}, True),
])
def test_ordinary_expressions_work(expression, data, expected):
    assert check_expression(expression) is None
    assert env.evaluate(expression, dict(data)) == expected


def test_expression_sees_external_context_as_spiffworkflow_passes_it():
    assert env.evaluate("dmninputexpr > 3", {}, {"dmninputexpr": 5}) is True


def test_scripts_set_variables_but_leave_no_helpers_or_builtins_behind():
    data = {"cost": 100, "old": 1, "received": "2027-01-01T09:00:00"}
    env.execute(
        "total = cost * 2\n"
        "weeks = [w for w in range(3)]\n"
        "del old\n"
        "when = date\n"  # a helper class: never stored
        "fmt = str.upper\n"  # a function: never stored
        "due = (datetime.fromisoformat(received) + timedelta(days=7)).isoformat()\n"
        "deadline = datetime.fromisoformat(due)\n",  # datetime values are storable
        data, {"outside": 1},
    )
    assert data == {
        "cost": 100, "total": 200, "weeks": [0, 1, 2], "received": "2027-01-01T09:00:00",
        "due": "2027-01-08T09:00:00", "deadline": datetime(2027, 1, 8, 9, 0),
    }
    data.pop("deadline")
    json.dumps(data)


def test_scripts_in_indented_bpmn_text_run():
    data = {}
    script = "\n        a = 1\n        if a:\n            b = a + 1\n    "
    assert check_script(script) is None
    env.execute(script, data)
    assert data == {"a": 1, "b": 2}


@pytest.mark.parametrize(("script", "fragment"), [
    ("d = date(2027, 1, 1)", "holds a date (store d.isoformat() instead)"),
    ("g = (i for i in range(3))", "holds a generator"),
    ("tz = timezone.utc", "holds a timezone"),
    ("r = range(3)", "holds a range"),
    ("x = []\nx.append(x)", "contains itself"),
])
def test_scripts_cannot_leave_unsaveable_values_in_task_data(script, fragment):
    data = {"keep": 1}
    with pytest.raises(TypeError, match="cannot be saved in task data") as error:
        env.execute(script, data)
    assert fragment in str(error.value)
    assert data == {"keep": 1}


def test_a_failing_script_leaves_task_data_unchanged():
    data = {"a": 1}
    with pytest.raises(SandboxLimitError):
        env.execute("a = 2\nb = 3\nc = 'x' * 10 ** 7", data)
    assert data == {"a": 1}


def test_the_internal_importer_serves_only_datetime_needs():
    """datetime's C code imports through the sandbox builtins; nothing else gets through."""
    assert sandbox._internal_import("time").__name__ == "time"
    for name in ("os", "subprocess", "sys", "builtins"):
        with pytest.raises(UnsafeExpressionError, match="import is not allowed"):
            sandbox._internal_import(name)


def test_compiled_code_is_cached_per_source():
    source = "cached_probe_variable == 12345"
    before = sandbox._compile.cache_info().hits
    for _ in range(3):
        env.evaluate(source, {"cached_probe_variable": 1})
    assert sandbox._compile.cache_info().hits >= before + 2


# --------------------------------------------------------------------------- what is refused

# Refused by the source check: the message names the construct.
REJECTED_EXPRESSIONS = [
    ("().__class__.__base__.__subclasses__()", "names starting with '_' are not allowed: "
                                               "__class__"),
    ("__import__('os')", "names starting with '_' are not allowed: __import__"),
    ('"{0.__class__}".format(x)', "the attribute 'format' is not allowed"),
    ('str.format_map("{x.__class__}", {"x": x})', "the attribute 'format_map' is not allowed"),
    ("(lambda: 0).__globals__", "__globals__"),
    ("lambda: 1", "lambda is not allowed"),
    ("(y for y in x).gi_frame.f_back.f_globals", "the attribute 'gi_frame' is not allowed"),
    ("(y for y in x).gi_code", "the attribute 'gi_code' is not allowed"),
    ("x.f_globals", "the attribute 'f_globals' is not allowed"),
    ("x.f_back", "the attribute 'f_back' is not allowed"),
    ("x.tb_frame", "the attribute 'tb_frame' is not allowed"),
    ("x.cr_frame", "the attribute 'cr_frame' is not allowed"),
    ("x.ag_frame", "the attribute 'ag_frame' is not allowed"),
    ("str.mro()", "the attribute 'mro' is not allowed"),
    ("[(c := ().__class__) for i in x]", "__class__"),
    ("(b := __builtins__)", "__builtins__"),
    ("datetime.now.__self__", "__self__"),
    ('f"{x.__class__}"', "__class__"),
    ('f"{x:>{width}}"', "format specs may not contain"),
    ('f"{x:>999999999}"', "f-string widths above 1000"),
    ("dict(**x)", "**keyword unpacking is not allowed"),
    ("dict(__class__=1)", "__class__"),
    ("_private", "names starting with '_' are not allowed: _private"),
    ("x ==", "invalid syntax"),
]


@pytest.mark.parametrize(("source", "message"), REJECTED_EXPRESSIONS)
def test_known_escapes_are_rejected_with_a_message(source, message):
    reported = check_expression(source)
    assert reported is not None and message in reported
    with pytest.raises(UnsafeExpressionError, match=None) as error:
        env.evaluate(source, {"x": 1, "width": 5})
    assert str(error.value) == reported


def test_messages_are_exact_for_the_documented_cases():
    assert check_expression("x.__class__") == "names starting with '_' are not allowed: __class__"
    assert check_script("import os") == "import is not allowed"
    assert check_script("a = 1\nimport os") == "import is not allowed (line 2)"


REJECTED_SCRIPTS = [
    ("import os", "import is not allowed"),
    ("from os import environ", "import is not allowed"),
    ("import subprocess\nsubprocess.run(['id'])", "import is not allowed"),
    ("def f():\n    return 1", "function definitions"),
    ("@decorate\ndef f():\n    pass", "function definitions"),
    ("async def f():\n    await g()", "function definitions"),
    ("class A:\n    pass", "class definitions"),
    ("while True:\n    pass", "while loops"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "try/except"),
    ("global x", "global is not allowed"),
    ("with open('/tmp/x', 'w') as f:\n    f.write('x')", "with is not allowed"),
    ("x.attr = 1", "assigning or deleting attributes"),
    ("del x.attr", "assigning or deleting attributes"),
    ("x: int = 1", "annotated assignments"),
    ("match x:\n    case 1:\n        pass", "match statements"),
    ("assert x", "assert is not allowed"),
    ("items[items.pop()] += 'a' * 10", "compute the key first"),
    ("for x[:0] in [x]:\n    pass", "slice assignment"),
]


@pytest.mark.parametrize(("script", "message"), REJECTED_SCRIPTS)
def test_forbidden_statements_are_reported(script, message):
    reported = check_script(script)
    assert reported is not None and message in reported
    data = {"x": 1}
    with pytest.raises(UnsafeExpressionError):
        env.execute(script, data)
    assert data == {"x": 1}


# Valid syntax, but the names do not exist in the sandbox.
UNDEFINED_AT_RUN_TIME = [
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('x = 1')",
    "compile('1', 'f', 'eval')",
    "getattr(x, '_' + '_class__')",
    "setattr(x, 'a', 1)",
    "globals()",
    "locals()",
    "vars()",
    "dir()",
    "type(x)",
    "breakpoint()",
    "input()",
    "help()",
    "memoryview(b'x')",
    "print('x')",
    "os.environ['HOME']",
    "environ['HOME']",
]


@pytest.mark.parametrize("source", UNDEFINED_AT_RUN_TIME)
def test_dangerous_builtins_do_not_exist(source):
    assert check_expression(source) is None
    with pytest.raises(NameError, match="is not defined"):
        env.evaluate(source, {"x": 1})


@pytest.mark.parametrize("source", [
    '"a" * 10 ** 7',
    "[0] * 10 ** 7",
    "2 ** 10 ** 10",
    "1 << 10 ** 10",
    "list(range(10 ** 8))",
    '"%0999999999d" % 1',
    '"%.999999999f" % 1.0',
    '"%*d" % (999999999, 1)',
    '"%(a(b))0999999999d" % {"a(b)": 1}',
    '",".join(["a" * 10 ** 6] * 1000)',
    'str.join(",", ["a" * 10 ** 6] * 1000)',
    '("a" * 1000).replace("a", "a" * 10000)',
    '"a".ljust(10 ** 9)',
    'str.center("a", 10 ** 9)',
    '"a\\tb".expandtabs(10 ** 9)',
    '"aaa".translate({97: "b" * 10 ** 6})',
    "(1).to_bytes(10 ** 9, 'big')",
    "round(5, -10 ** 9)",
    "sum([[0] * 1000] * 1000, [])",
])
def test_one_line_resource_bombs_are_refused_quickly(source):
    assert check_expression(source) is None  # only the run-time guards can see these
    started = time.perf_counter()
    with pytest.raises(UnsafeExpressionError):
        env.evaluate(source, {})
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("script", [
    "s = 'a' * 1000\nfor i in range(40):\n    s += s",
    "s = 'a' * 1000\nfor i in range(40):\n    s = s + s",
    "x = [0] * 1000\nfor i in range(40):\n    x.extend(x)",
    "n = 2 ** 9000\nfor i in range(40):\n    n = n * n",
    "n = 3\nfor i in range(40):\n    n **= 2",
    "d = {'k': 'a'}\nfor i in range(40):\n    d['k'] *= 2",
    "x = [0] * 1000\nfor i in range(40):\n    x[:0] = x",
    "x = [0] * 1000\nfor i in range(40):\n    x = [*x, *x]",
    "s = '\\\\'\nfor i in range(60):\n    s = f'{s!r}'",
    "b = b'ab'\nfor i in range(60):\n    b = b.hex().encode()",
    "s = 'ab'\nfor i in range(60):\n    s = str([s, s])",
])
def test_doubling_loops_are_refused(script):
    with pytest.raises(SandboxLimitError):
        env.execute(script, {})


def test_loop_iterations_are_limited():
    small = SafeEnvironment(limits=SandboxLimits(max_steps=1000))
    small.execute("t = 0\nfor i in range(30):\n    for j in range(30):\n        t = t + 1", {})
    with pytest.raises(SandboxLimitError, match="loop iterations"):
        small.execute("t = 0\nfor i in range(40):\n    for j in range(40):\n        t = t + 1",
                      {})
    with pytest.raises(SandboxLimitError, match="loop iterations"):
        small.evaluate("len([1 for i in range(40) for j in range(40)])", {})


def test_data_built_in_one_run_is_limited():
    small = SafeEnvironment(limits=SandboxLimits(max_total_items=1000))
    small.execute("parts = ['a' * 600]", {})
    with pytest.raises(SandboxLimitError, match="in one run"):
        small.execute("parts = ['a' * 600, 'b' * 600]", {})


def test_cpu_time_is_limited():
    quick = SafeEnvironment(limits=SandboxLimits(
        cpu_seconds=0.05, max_steps=10 ** 12, max_total_items=10 ** 12))
    started = time.perf_counter()
    with pytest.raises(SandboxLimitError, match="CPU time"):
        quick.execute("for i in range(10 ** 6):\n    for j in range(10 ** 6):\n        pass", {})
    assert time.perf_counter() - started < 1


# --------------------------------------------------------------------------- real workflows

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="http://panelflow.test">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="script"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f4"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="approved"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="other"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="gw"/>
    <bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="approved">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="other"/>
  </bpmn:process>
</bpmn:definitions>"""


def _workflow(script: str, condition: str = 'decision == "approved"',
              engine: PythonScriptEngine | None = None) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(DIAGRAM.format(script=escape(script), condition=escape(condition))
                        .encode())
    return BpmnWorkflow(parser.get_spec("p"), script_engine=engine or make_script_engine())


def _script_task_data(workflow: BpmnWorkflow) -> dict:
    return next(t for t in workflow.get_tasks() if t.task_spec.name == "script").data


def test_a_real_workflow_runs_scripts_and_conditions_and_serialises():
    workflow = _workflow(
        'decision = "approved"\n'
        'due = (datetime(2027, 1, 1) + timedelta(days=7)).isoformat()\n'
        'deadline = datetime(2027, 1, 8, tzinfo=timezone.utc)')
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.data["due"] == "2027-01-08T00:00:00"
    ended = {t.task_spec.name for t in workflow.get_tasks()
             if t.task_spec.name in ("approved", "other") and t.state == TaskState.COMPLETED}
    assert ended == {"approved"}
    assert not {"datetime", "timedelta", "timezone", "__builtins__"} & set(workflow.data)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    restored = serializer.deserialize_json(serializer.serialize_json(workflow))
    assert restored.data["deadline"] == datetime(2027, 1, 8, tzinfo=sandbox.timezone.utc)


def test_a_script_task_with_import_fails_the_workflow():
    workflow = _workflow("import os\nleaked = os.getcwd()")
    with pytest.raises(WorkflowTaskException, match="import is not allowed"):
        workflow.do_engine_steps()
    assert not workflow.is_completed()
    assert "leaked" not in _script_task_data(workflow)


def test_a_gateway_condition_that_escapes_fails_the_workflow():
    workflow = _workflow('decision = "approved"',
                         condition="len(().__class__.__base__.__subclasses__()) > 0")
    with pytest.raises(WorkflowTaskException, match="Error evaluating expression") as error:
        workflow.do_engine_steps()
    assert error.value.error_type == "UnsafeExpressionError"
    assert "__class__" in str(error.value.__context__)
    assert not workflow.is_completed()


FILE_WRITING_SCRIPTS = [
    "import os\nopen({path!r}, 'w').write('x')",
    "f = open({path!r}, 'w')\nf.write('x')\nf.close()",
    "x = ().__class__.__base__.__subclasses__()",
    "x = __import__('os').system('touch {path}')",
    "x = getattr(decision, '_' + '_class__')",
]


@pytest.mark.parametrize("script", FILE_WRITING_SCRIPTS)
def test_a_real_workflow_cannot_write_files(tmp_path, script):
    target = tmp_path / "escaped"
    workflow = _workflow(script.format(path=str(target)))
    with pytest.raises(WorkflowTaskException):
        workflow.do_engine_steps()
    assert not target.exists()


def test_control_the_default_engine_would_write_the_file(tmp_path):
    """Shows the test above is meaningful: the same diagram escapes without the sandbox."""
    target = tmp_path / "escaped"
    workflow = _workflow(FILE_WRITING_SCRIPTS[0].format(path=str(target)) + "\ndecision = 0",
                         engine=PythonScriptEngine())
    workflow.do_engine_steps()
    assert target.read_text() == "x"


def test_a_script_cannot_read_etc_passwd():
    workflow = _workflow("secret = open('/etc/passwd').read()")
    with pytest.raises(WorkflowTaskException, match="open"):
        workflow.do_engine_steps()
    assert "secret" not in _script_task_data(workflow)


@pytest.mark.parametrize("script", [
    "import os\nleak = os.environ['PANELFLOW_SANDBOX_SECRET']",
    "leak = os.environ['PANELFLOW_SANDBOX_SECRET']",
    "leak = __import__('os').environ['PANELFLOW_SANDBOX_SECRET']",
    "leak = environ['PANELFLOW_SANDBOX_SECRET']",
    "leak = (y for y in []).gi_frame.f_globals",
])
def test_environment_variables_are_out_of_reach(monkeypatch, script):
    monkeypatch.setenv("PANELFLOW_SANDBOX_SECRET", "s3cret")
    workflow = _workflow(script)
    with pytest.raises(WorkflowTaskException) as error:
        workflow.do_engine_steps()
    assert "s3cret" not in str(error.value)
    assert "leak" not in _script_task_data(workflow)
