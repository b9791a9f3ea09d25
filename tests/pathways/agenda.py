"""What a forum's agendas say of one case, read through the API as the panel's chair."""
from __future__ import annotations

from datetime import date, timedelta

from tests.pathways.walker import Walk

WINDOW = timedelta(days=90)  # the API lists at most a few months of meetings at a time


def listings(case: Walk, panel: str, start: str, end: str) -> dict[str, dict | None]:
    """Each meeting of `panel` from `start` to `end` (ISO dates), by its day: the case's item
    on its agenda, or None when the case is not on it."""
    chair = case.clients["panel_chair"]
    found = {}
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    while first <= last:
        to = min(first + WINDOW, last)
        response = chair.get(f"/api/v1/panels/{panel}/meetings?from={first}&to={to}")
        assert response.status_code == 200, response.json
        for meeting in response.json:
            if meeting["status"] == "cancelled":
                continue
            items = chair.get(f"/api/v1/meetings/{meeting['id']}").json["items"]
            found[meeting["starts_at"][:10]] = next(
                (item for item in items if item["instance_id"] == case.id), None)
        first = to + timedelta(days=1)
    return found
