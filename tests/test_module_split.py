"""Smaller modules (issue 21, part 7): the form renderer, the diagram-code sandbox and the
completion benchmark split by concern, each part under 400 lines, the renderer's and the
sandbox's names still imported from one place and the benchmark still run as one script."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

LIMIT = 400
SPLIT = ["app/web/form_render/__init__.py", "app/web/form_render/schema.py",
         "app/web/form_render/html.py", "app/web/form_render/widgets.py",
         "app/web/form_render/values.py", "app/web/form_render/summary.py",
         "app/engine/sandbox.py", "app/engine/sandbox_checks.py",
         "app/engine/sandbox_rewrite.py", "app/engine/sandbox_guards.py",
         "bench/complete_task.py", "bench/seeding.py", "bench/timing.py", "bench/reporting.py"]


@pytest.mark.parametrize("path", SPLIT)
def test_each_part_is_small(path):
    lines = (ROOT / path).read_text().count("\n")
    assert lines < LIMIT, f"{path} has {lines} lines"


def test_the_form_renderer_keeps_its_names():
    from app.web import form_render  # noqa: PLC0415

    for name in ("render_form", "parse_submission", "typed_inputs", "as_typed", "field_id",
                 "describe_value", "summarise", "CHECKBOX_SUFFIX", "DATE_PARTS"):
        assert callable(getattr(form_render, name)) or name.isupper(), name


def test_the_sandbox_keeps_its_names():
    from app.engine import sandbox  # noqa: PLC0415

    for name in (*sandbox.__all__, "_compile", "_internal_import", "_expression_source",
                 "_script_source", "timezone"):
        assert hasattr(sandbox, name), name
    assert isinstance(sandbox._compile, sandbox.CompiledCache)


def test_the_sandbox_loads_without_flask_or_a_database():
    """The evaluator process imports the sandbox the way this does (see evaluator_child)."""
    code = ("import sys, types; app = types.ModuleType('app');"
            f" app.__path__ = [{str(ROOT / 'app')!r}];"
            " sys.modules['app'] = app; from app.engine import sandbox, evaluator_child;"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('flask', 'sqlalchemy', 'psycopg', 'psycopg2', 'celery', 'redis')))")
    run = subprocess.run([sys.executable, "-I", "-B", "-c", code], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_benchmark_still_runs_as_one_script():
    run = subprocess.run([sys.executable, "bench/complete_task.py", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "--instances" in run.stdout and "--timings-json" in run.stdout
