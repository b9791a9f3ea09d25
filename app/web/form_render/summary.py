"""Answers shown read-only, as the check-answers and case pages list them."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.web.form_render.schema import _choices, _ordered, _title, _type, _ui_for


def _is_money(prop: Mapping, ui: Mapping) -> bool:
    """Money is a UI choice; without the UI schema a title "in pounds" or with "£" says so."""
    if ui.get("ui:widget") == "money":
        return True
    title = str(prop.get("title") or "").lower()
    return _type(prop) in ("number", "integer") and ("pounds" in title or "£" in title)


def _describe(prop: Mapping, ui: Mapping, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        items = prop.get("items") or {}
        parts = [_describe(items, _ui_for(ui, "items"), v) for v in value]
        return ("; " if isinstance(items, dict) and _type(items) == "object" else ", ").join(
            p for p in parts if p)
    if isinstance(value, dict):
        return ", ".join(f"{title}: {text}" for title, text in _summary(prop, ui, value))
    for const, text in _choices(prop):
        if const == value and isinstance(const, bool) == isinstance(value, bool):
            return text
    if isinstance(value, str) and (prop.get("format") == "date"
                                   or ui.get("ui:widget") == "date"):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
        return f"{day.day} {day:%B %Y}"
    if isinstance(value, int | float):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if _is_money(prop, ui):
            return f"£{value:,}" if isinstance(value, int) else f"£{value:,.2f}"
        return str(value)
    return str(value)


def describe_value(schema: dict, path: str, value: Any, ui_schema: dict | None = None) -> str:
    """An answer as a person reads it: option titles, Yes/No, "8 December 2026", "£260,000".

    `path` is a field name or a dotted path into a repeating group ("actions.0.due").
    """
    prop: Any = schema or {}
    ui: Mapping = ui_schema or {}
    for part in str(path).split("."):
        if part.isdigit() and _type(prop) == "array":
            prop, ui = prop.get("items") or {}, _ui_for(ui, "items")
        else:
            prop, ui = (prop.get("properties") or {}).get(part) or {}, _ui_for(ui, part)
        prop = prop if isinstance(prop, dict) else {}
    return _describe(prop, ui, value)


def _summary(schema: Mapping, ui: Mapping, data: Mapping) -> list[tuple[str, str]]:
    rows = []
    for key, prop in _ordered(schema, ui):
        value = data.get(key)
        if value is None or value == "" or value == [] or value == {}:
            continue
        prop = prop if isinstance(prop, dict) else {}
        field_ui = _ui_for(ui, key)
        rows.append((_title(key, prop, field_ui), _describe(prop, field_ui, value)))
    return rows


def summarise(schema: dict, data: dict, ui_schema: dict | None = None) -> list[tuple[str, str]]:
    """(title, answer) for each answered field, in form order: what an earlier step gathered."""
    if not isinstance(data, Mapping):
        return []
    return _summary(schema or {}, ui_schema or {}, data)
