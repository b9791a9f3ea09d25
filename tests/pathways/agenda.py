"""What a forum's agendas say of one case, read through the API as the panel's chair."""
from __future__ import annotations

from tests.pathways.walker import Walk


def listings(case: Walk, panel: str, start: str, end: str) -> dict[str, dict | None]:
    """Each meeting of `panel` from `start` to `end` (ISO dates), by its day: the case's item
    on its agenda, or None when the case is not on it."""
    chair = case.clients["panel_chair"]
    meetings = chair.get(f"/api/v1/panels/{panel}/meetings?from={start}&to={end}").json
    found = {}
    for meeting in meetings:
        if meeting["status"] == "cancelled":
            continue
        items = chair.get(f"/api/v1/meetings/{meeting['id']}").json["items"]
        found[meeting["starts_at"][:10]] = next(
            (item for item in items if item["instance_id"] == case.id), None)
    return found
