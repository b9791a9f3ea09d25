"""A step that comes round again opens with what the case knows now, never with its own
last outcome and comments; a request returned to its writer opens with their answers."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.engine.parsing import NSMAP, parse_model, read_xml
from app.extensions import db
from app.models import HumanTask, TaskStatus
from app.services import rounds
from tests.diagrams import review_loop
from tests.helpers import deploy, ready_task, start
from tests.pages.conftest import Browser

ROOT = Path(__file__).parents[1]
DIAGRAMS = sorted((ROOT / "processes").glob("*/*.bpmn"))


def _answer(page: str, name: str) -> str | None:
    """What a text box on the page holds."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', found.group(0)) if found else None
    return value.group(1) if value else ("" if found else None)


def _chosen(page: str, name: str) -> str | None:
    """The value of the radio button selected on the page, if any."""
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        if "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def _browser(app, username: str) -> Browser:
    b = Browser(app)
    b.sign_in(username)
    return b


def test_a_return_reopens_the_request_and_a_new_round_of_review_opens_empty(app, as_user):
    deploy(app, review_loop())
    worker, manager = as_user("social_worker"), as_user("team_manager")
    instance = start(worker, "review_loop")
    request = ready_task(instance, "request")
    worker.post(f"/api/v1/tasks/{request['id']}/complete",
                json={"data": {"summary": "First try", "plan": "Plan A"}})
    review = ready_task(worker.get(f"/api/v1/process-instances/{instance['id']}").json, "review")
    assert manager.get(f"/api/v1/tasks/{review['id']}").json["data"]["summary"] == "First try"
    returned = manager.post(f"/api/v1/tasks/{review['id']}/complete", json={"data": {
        "outcome": "return", "comments": "Say more", "summary": "First try"}}).json["instance"]

    # Returned to its writer: the request opens with their own answers, to amend.
    request = ready_task(returned, "request")
    data = worker.get(f"/api/v1/tasks/{request['id']}").json["data"]
    assert (data["summary"], data["plan"], data["comments"]) == ("First try", "Plan A", "Say more")
    # They drop the plan: it is not inherited from their first round.
    resubmitted = worker.post(f"/api/v1/tasks/{request['id']}/complete",
                              json={"data": {"summary": "Second try"}}).json["instance"]
    assert "plan" not in resubmitted["data"]

    # The review comes round again: no outcome or comments of its own, the new summary
    # (the requester's, though the review's form shows it too and submitted it last time).
    review = ready_task(resubmitted, "review")
    data = manager.get(f"/api/v1/tasks/{review['id']}").json["data"]
    assert "outcome" not in data and "comments" not in data
    assert data["summary"] == "Second try"
    b = _browser(app, "team_manager")
    page = b.get(f"/tasks/{review['id']}").get_data(as_text=True)
    assert _answer(page, "comments") == "" and _chosen(page, "outcome") is None

    # A draft of this round is this round's: it is what the page opens with.
    b.post(f"/tasks/{review['id']}", {"action": "draft", "comments": "Better now"})
    assert _answer(b.get(f"/tasks/{review['id']}").get_data(as_text=True), "comments") == \
        "Better now"

    done = manager.post(f"/api/v1/tasks/{review['id']}/complete",
                        json={"data": {"outcome": "accept"}}).json["instance"]
    assert done["status"] == "completed"
    assert "comments" not in done["data"]
    history = manager.get(f"/api/v1/process-instances/{instance['id']}/history").json
    completed = [e["detail"]["data"] for e in history
                 if e["event"] == "completed" and e["task_name"] == "review"]
    assert completed == [{"outcome": "return", "comments": "Say more", "summary": "First try"},
                         {"outcome": "accept"}]


def _user_tasks(path: Path) -> dict[str, str]:
    root = read_xml(path.read_bytes())
    return {el.get("id"): el for el in root.xpath("//bpmn:userTask", namespaces=NSMAP)}


def _graph(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    root = read_xml(path.read_bytes())
    kinds = {el.get("id"): el.tag.split("}")[1] for el in root.iter()
             if isinstance(el.tag, str) and el.get("id")}
    edges: dict[str, list[str]] = {}
    for flow in root.xpath("//bpmn:sequenceFlow", namespaces=NSMAP):
        edges.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for event in root.xpath("//bpmn:boundaryEvent", namespaces=NSMAP):
        edges.setdefault(event.get("attachedToRef"), []).append(event.get("id"))
    return kinds, edges


def _last_steps_before(task: str, kinds: dict, edges: dict) -> set[str]:
    """The user tasks that can be the last one completed before `task` becomes ready."""
    found = set()
    for source, kind in kinds.items():
        if kind != "userTask":
            continue
        stack, seen = [source], set()
        while stack:
            for following in edges.get(stack.pop(), ()):
                if following == task:
                    found.add(source)
                elif kinds.get(following) != "userTask" and following not in seen:
                    seen.add(following)
                    stack.append(following)
    return found


def _repeating(kinds: dict, edges: dict) -> set[str]:
    """User tasks that the flow can reach again after they complete."""
    repeating = set()
    for task, kind in kinds.items():
        if kind != "userTask":
            continue
        stack, seen = list(edges.get(task, ())), set()
        while stack:
            node = stack.pop()
            if node == task:
                repeating.add(task)
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    return repeating


def _fields(task_el) -> list[str]:
    props = {p.get("name"): p.get("value") for p in task_el.iter("{*}property")}
    form = props.get("formJsonSchemaFilename")
    return list(json.loads((ROOT / "forms" / form).read_text())["properties"]) if form else []


def _rows(path: Path):
    """Every (diagram, repeating task, step completed just before it) in processes/."""
    for each in DIAGRAMS:
        kinds, edges = _graph(each)
        for task in sorted(_repeating(kinds, edges)):
            for before in sorted(_last_steps_before(task, kinds, edges)):
                yield pytest.param(each, task, before, id=f"{each.stem}-{task}-after-{before}")


@pytest.mark.parametrize(("diagram", "task", "before"), list(_rows(ROOT)))
def test_every_step_that_comes_round_again_opens_without_its_own_last_answers(
        diagram, task, before):
    """A step's second round, in every diagram, after each step that can precede it: its own
    answers from the first round are not offered again, nor kept if left out this time,
    unless the step before sent the work straight back to be amended."""
    xml = diagram.read_text()
    model = parse_model(xml)
    fields = _fields(_user_tasks(diagram)[task])
    assert fields, f"{task} has no form"
    earlier = {key: f"{task} said {key} in round 1" for key in fields}
    t0 = datetime(2026, 11, 23, 10, tzinfo=UTC)
    version = SimpleNamespace(id=-hash(diagram.stem) % 10**9, content_hash=f"rounds-{diagram.stem}",
                              bpmn_xml=xml)
    instance = SimpleNamespace(model_version=version, tasks=[], data={
        **earlier, "from_another_step": "kept"})
    first = SimpleNamespace(id="1", name=task, status=TaskStatus.COMPLETED, completed_at=t0,
                            submitted_data=earlier, created_at=t0 - timedelta(days=1))
    other_fields = {} if before == task else {"from_another_step": "kept"}
    previous = SimpleNamespace(id="2", name=before, status=TaskStatus.COMPLETED,
                               completed_at=t0 + timedelta(days=1), submitted_data=other_fields,
                               created_at=t0)
    again = SimpleNamespace(id="3", name=task, status=TaskStatus.READY, instance=instance,
                            completed_at=None, submitted_data=None,
                            created_at=t0 + timedelta(days=1, seconds=1))
    instance.tasks = [first, previous, again]
    for row in instance.tasks:
        row.instance = instance

    prefill = rounds.prefill(again)
    if before in model.user_tasks[task].returned_from:
        assert {k: prefill.get(k) for k in fields} == earlier  # returned to be amended
    else:
        assert not set(fields) & set(prefill), prefill
    assert prefill["from_another_step"] == "kept"
    assert rounds.unanswered_own(again, instance.data, {}) == set(fields)


def test_the_steps_a_return_reopens_with_their_own_answers():
    returns = {path.stem: {name: sorted(spec.returned_from)
                           for name, spec in parse_model(path.read_text()).user_tasks.items()
                           if spec.returned_from} for path in DIAGRAMS}
    assert {k: v for k, v in returns.items() if v} == {
        "ctmp": {"prepare_cdmf": ["send_decision", "sign_tm", "tps2_reminder"],
                 # CTMP 1b: the fostering team's search CDMF, back from commissioning or
                 # its team manager.
                 "search_cdmf": ["commissioning_agree", "sign_ftm"]},
        "marp": {"prepare_request": ["sm_approval", "tm_review"]},
        "panel_minutes": {"draft_minutes": ["approve_minutes"]},
        "placement_forum_1": {"prepare_request": ["tm_review"]},
        "placement_forum_2": {"prepare_review": ["record_decision"]},
    }


def test_a_task_row_counts_its_rounds(app, as_user):
    """The live rows, not only the stand-ins above: a first round has nothing to hide."""
    deploy(app, review_loop())
    worker = as_user("social_worker")
    instance = start(worker, "review_loop", data={"summary": "From the start form"})
    request = ready_task(instance, "request")
    with app.app_context():
        row = db.session.get(HumanTask, request["id"])
        assert rounds.prefill(row)["summary"] == "From the start form"
        assert not rounds.returned_to_amend(row)
