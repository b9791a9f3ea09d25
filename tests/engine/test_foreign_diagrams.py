"""Diagrams drawn by other tools (the BPMN MIWG test suite, copied into tests/data/miwg): the
engine cannot run them as they are, and validation must say why of a named element each time,
so the modeler can select it."""
from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.validation import validate_model

CORPUS = Path(__file__).parents[1] / "data" / "miwg"
DIAGRAMS = sorted(CORPUS.glob("*.bpmn"))
FORMS = Path(__file__).parents[2] / "forms"


def test_the_corpus_is_there():
    assert len(DIAGRAMS) >= 20


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_each_problem_names_an_element_of_the_diagram(path):
    text = path.read_text()
    model, problems = validate_model(text, FORMS)
    assert model is None and problems
    for problem in problems:
        assert problem.element_id, problem.message
        assert f'id="{problem.element_id}"' in text, problem.element_id
        assert len(problem.message) > 20


def test_a_diagram_with_no_executable_process_is_told_which_process_to_mark():
    text = (CORPUS / "A.1.0.bpmn").read_text()
    _, [problem] = validate_model(text, FORMS)
    assert problem.element_id == "WFP-6-"
    assert "not marked executable" in problem.message


def test_a_data_store_the_engine_lacks_is_named():
    _, problems = validate_model((CORPUS / "C.1.1.bpmn").read_text(), FORMS)
    assert any("Data store 'Financial Accounting System'" in p.message for p in problems)
