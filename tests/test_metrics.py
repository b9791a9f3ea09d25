"""GET /metrics (issue 21, part 6): Prometheus figures, not public unless configured.

Counters are process-wide, so each test reads the change a step makes; the gauges are read
from the database at scrape time, so they are compared as they are.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.diagrams import two_step
from tests.helpers import deploy, ready_task, start

TOKEN = "metrics-test-token-9f3a"  # noqa: S105 - a test value


@pytest.fixture
def metrics_on(app):
    app.config.update(METRICS_TOKEN=TOKEN, METRICS_ALLOW=[])
    yield
    app.config.update(METRICS_TOKEN=None, METRICS_ALLOW=[])


def scrape(app) -> dict[tuple[str, tuple], float]:
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    assert response.mimetype == "text/plain"
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def figure(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)


def _waiting(as_user) -> dict:
    """A two_step case whose second step chose to wait: its P7D timer is set."""
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    waited = tm.post(f"/api/v1/tasks/{done.json['next_tasks'][0]['id']}/complete",
                     json={"data": {"outcome": "wait"}})
    assert waited.json["instance"]["status"] == "waiting"
    return instance


def test_metrics_are_not_there_unless_configured(app):
    app.config.update(METRICS_TOKEN=None, METRICS_ALLOW=[])
    assert app.test_client().get("/metrics").status_code == 404


def test_a_token_is_needed_once_one_is_configured(app, metrics_on, as_user):
    client = app.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    # An API token of a signed-in person is not the metrics token.
    assert as_user("administrator").get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code \
        == 200


def test_allowed_addresses_scrape_without_a_token(app):
    app.config.update(METRICS_TOKEN=None, METRICS_ALLOW=["10.0.0.0/8"])
    try:
        assert app.test_client().get("/metrics").status_code == 403  # from 127.0.0.1
        app.config.update(METRICS_ALLOW=["10.0.0.0/8", "127.0.0.1"])
        assert app.test_client().get("/metrics").status_code == 200
    finally:
        app.config.update(METRICS_ALLOW=[])


def test_request_latency_is_by_route_template_without_ids(app, metrics_on, as_user):
    deploy(app, two_step())
    sw = as_user("social_worker")
    instance = start(sw, child_ref="C-METRICS-7")
    route = "/api/v1/process-instances/<string:instance_id>"
    before = scrape(app)
    assert sw.get(f"/api/v1/process-instances/{instance['id']}").status_code == 200
    after = scrape(app)
    name = "panelflow_http_request_duration_seconds_count"
    assert figure(after, name, method="GET", route=route) == \
        figure(before, name, method="GET", route=route) + 1
    assert figure(after, "panelflow_http_requests_total", method="GET", route=route,
                  status="200") == figure(before, "panelflow_http_requests_total",
                                          method="GET", route=route, status="200") + 1
    text = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert instance["id"] not in text.get_data(as_text=True)
    assert "C-METRICS-7" not in text.get_data(as_text=True)


def test_task_completions_by_pathway(app, metrics_on, as_user):
    deploy(app, two_step())
    sw = as_user("social_worker")
    instance = start(sw)
    before = figure(scrape(app), "panelflow_task_completions_total", pathway="two_step")
    sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
            json={"data": {"outcome": "finish"}})
    assert figure(scrape(app), "panelflow_task_completions_total", pathway="two_step") == \
        before + 1


def test_a_failed_step_counts_as_failed_not_completed(app, metrics_on, as_user):
    deploy(app, two_step(condition="undefined_name == 1"))
    sw, tm = as_user("social_worker"), as_user("team_manager")
    instance = start(sw)
    done = sw.post(f"/api/v1/tasks/{ready_task(instance, 'first')['id']}/complete",
                   json={"data": {"outcome": "finish"}})
    before = scrape(app)
    failed = tm.post(f"/api/v1/tasks/{done.json['next_tasks'][0]['id']}/complete",
                     json={"data": {"outcome": "boom"}})
    assert failed.status_code == 409
    after = scrape(app)
    for name, change in (("panelflow_steps_failed_total", 1),
                         ("panelflow_task_completions_total", 0)):
        assert figure(after, name, pathway="two_step") == \
            figure(before, name, pathway="two_step") + change


def test_open_and_overdue_tasks_by_pathway(app, metrics_on, as_user, traveller):
    deploy(app, two_step())
    start(as_user("social_worker"))
    figures = scrape(app)
    assert figure(figures, "panelflow_open_tasks", pathway="two_step") == 1
    assert figure(figures, "panelflow_overdue_tasks", pathway="two_step") == 0
    assert ("panelflow_open_tasks", (("pathway", "marp"),)) in figures  # deployed, idle: 0
    traveller.shift(timedelta(days=5))  # past its two working days
    figures = scrape(app)
    assert figure(figures, "panelflow_overdue_tasks", pathway="two_step") == 1
    assert figure(figures, "panelflow_open_tasks", pathway="marp") == 0


def test_timers_due_fired_and_scheduler_lag(app, metrics_on, as_user, traveller):
    deploy(app, two_step())
    _waiting(as_user)
    figures = scrape(app)
    assert figure(figures, "panelflow_timers_due") == 0
    assert figure(figures, "panelflow_scheduler_lag_seconds") == 0
    traveller.shift(timedelta(days=8))  # a day after the P7D timer fell due
    figures = scrape(app)
    assert figure(figures, "panelflow_timers_due") == 1
    assert figure(figures, "panelflow_scheduler_lag_seconds") >= timedelta(days=1).total_seconds()
    fired = figure(figures, "panelflow_timers_fired_total", pathway="two_step", outcome="ok")
    result = app.test_cli_runner().invoke(args=["run-due"])
    assert result.exit_code == 0, result.output
    figures = scrape(app)
    assert figure(figures, "panelflow_timers_fired_total", pathway="two_step",
                  outcome="ok") == fired + 1
    assert figure(figures, "panelflow_timers_due") == 0
    assert figure(figures, "panelflow_scheduler_lag_seconds") == 0
