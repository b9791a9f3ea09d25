"""Outgoing webhooks never reach a refused address, even one a host's DNS answer changes to
after it was checked (DNS rebinding): the address actually connected to is checked before a
byte is sent. A council can fence off more networks than link-local
(PANELFLOW_WEBHOOK_REFUSED_NETWORKS). Against a real receiver on 127.0.0.1."""
from __future__ import annotations

import pytest

from app.services import webhook_addresses
from tests.connections.receiver import receiver  # noqa: F401 - the fixture


@pytest.fixture
def fenced_loopback(app):
    app.config["WEBHOOK_REFUSED_NETWORKS"] = ["127.0.0.0/8"]
    yield
    app.config["WEBHOOK_REFUSED_NETWORKS"] = []


def test_the_connection_posts_to_an_allowed_address(app, receiver):  # noqa: F811
    with app.app_context(), webhook_addresses.checked_session() as session:
        answer = session.post(receiver.url, data=b"{}", timeout=5)
    assert answer.status_code == 200 and len(receiver.received) == 1


def test_the_address_connected_to_is_checked_not_only_the_one_resolved_before(
        app, receiver, fenced_loopback):  # noqa: F811
    # `localhost` is a name, so the connection's own resolution decides where it goes; the
    # check at connection time refuses it whatever an earlier look-up said.
    url = receiver.url.replace("127.0.0.1", "localhost")
    with app.app_context(), webhook_addresses.checked_session() as session, \
            pytest.raises(webhook_addresses.UnsafeUrl, match="127.0.0.1"):
        session.post(url, data=b"{}", timeout=5)
    assert receiver.received == []


def test_a_fenced_network_is_refused_when_subscribing(as_user, receiver, fenced_loopback):  # noqa: F811
    made = as_user("administrator").post("/api/v1/webhooks", json={
        "name": "Inside the fence", "url": receiver.url, "events": ["case.started"]})
    assert made.status_code == 422 and "url" in made.json["errors"], made.json
    assert "PANELFLOW_WEBHOOK_REFUSED_NETWORKS" in str(made.json["errors"]["url"])
