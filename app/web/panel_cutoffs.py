"""Per request type deadline for papers on a panel's settings page (CTMP 1a is due "THURSDAY
MORNING" while the panel's other papers are due Thursday 12 noon). Stored beside the type's
cadence in `request_cadences` as `cutoff_time` (24-hour, London) and `cutoff_rule` (the
rule in words); the same working days before the meeting as the panel's own deadline. The
same rule as `PATCH /api/v1/panels/{key}`'s `request_cutoffs`."""
from __future__ import annotations

import re

from app.models import Panel
from app.services.panels import CLOCK_PATTERN, CUTOFF_KEYS, CUTOFF_RULE_LIMIT
from app.web.panel_cadences import request_types

CLOCK = re.compile(CLOCK_PATTERN)


def form_values(panel: Panel) -> dict:
    """The stored cut-offs as the form's fields: `cutoff-<type>` and `cutoff-<type>-rule`."""
    values: dict = {}
    for kind in request_types(panel):
        stored = (panel.request_cadences or {}).get(kind) or {}
        values[f"cutoff-{kind}"] = stored.get("cutoff_time", "")
        values[f"cutoff-{kind}-rule"] = stored.get("cutoff_rule", "")
    return values


def typed(panel: Panel, form) -> dict:
    """What the form holds for each request type's deadline, as typed."""
    values: dict = {}
    for kind in request_types(panel):
        name = f"cutoff-{kind}"
        if name in form:
            values[name] = form.get(name, "").strip()
            values[f"{name}-rule"] = form.get(f"{name}-rule", "").strip()
    return values


def check(panel: Panel, values: dict, errors: dict, stored: dict) -> dict:
    """`stored` (the request types' entries) with the typed deadlines: an empty time means
    the panel's own deadline holds. Errors in words under each field's name."""
    stored = {kind: dict(entry) for kind, entry in stored.items()}
    for kind, title in request_types(panel).items():
        name = f"cutoff-{kind}"
        if name not in values:
            continue  # not on the form: kept as it is
        time, rule = values[name], values[f"{name}-rule"]
        entry = {k: v for k, v in stored.get(kind, {}).items() if k not in CUTOFF_KEYS}
        if not time and not rule:
            if entry:
                stored[kind] = entry
            else:
                stored.pop(kind, None)
            continue
        if not CLOCK.match(time):
            errors[name] = (f"Time {title} papers are due must be a 24-hour time, like 09:00, "
                            "or left empty for the panel's own")
        if not rule:
            errors[f"{name}-rule"] = f"Enter the deadline for {title} papers in words"
        elif len(rule) > CUTOFF_RULE_LIMIT:
            errors[f"{name}-rule"] = (f"The deadline for {title} papers in words must be "
                                      f"{CUTOFF_RULE_LIMIT} characters or fewer")
        if name not in errors and f"{name}-rule" not in errors:
            stored[kind] = entry | {"cutoff_time": time, "cutoff_rule": rule}
    return stored

