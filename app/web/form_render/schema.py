"""Reading a form's JSON Schema and UI schema: which fields, in what order, of which kind."""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CHECKBOX_SUFFIX = "[]"
DATE_PARTS = ("day", "month", "year")
MAX_NUMBER_CHARS = 30
TEXT_INPUT_TYPES = frozenset({"text", "time", "email", "tel", "url"})
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_CLASS_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_MONTHS = {name.lower(): number for names in (calendar.month_name, calendar.month_abbr)
           for number, name in enumerate(names) if name}
_MONTHS["sept"] = 9


class _ParseError(ValueError):
    """A submitted string that cannot become the schema's type; the message is for the user."""


# ---------------------------------------------------------------------------------------------
# Reading the schemas
# ---------------------------------------------------------------------------------------------

def field_id(path: str) -> str:
    """The HTML id for a dotted path, so the error summary can link to the field.

    For dates this is the day input and for radios and checkboxes the first option, which is
    where GOV.UK's error summary should move focus.
    """
    parts = [_ID_UNSAFE.sub("_", part) or "_" for part in str(path).split(".")]
    return "f-" + "-".join(parts)


def _type(prop: Mapping) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and prop.get("format") == "date":
        return "string"
    return kind if isinstance(kind, str) else None


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _choices(prop: Mapping) -> list[tuple[Any, str]]:
    """Labelled options: oneOf/anyOf of {"const", "title"}, or a plain enum."""
    for key in ("oneOf", "anyOf"):
        options = prop.get(key)
        if (isinstance(options, list) and options
                and all(isinstance(o, dict) and "const" in o for o in options)):
            return [(o["const"], str(o.get("title", _label(o["const"])))) for o in options]
    if isinstance(prop.get("enum"), list):
        return [(value, _label(value)) for value in prop["enum"]]
    return []


def _encode(value: Any) -> str:
    """An option's value as it travels in HTML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _title(key: str, prop: Mapping, ui: Mapping) -> str:
    return str(ui.get("ui:title") or prop.get("title") or key.replace("_", " ").capitalize())


def _ordered(schema: Mapping, ui: Mapping) -> list[tuple[str, dict]]:
    """Properties in ui:order ("*" stands for the rest), then any others in schema order."""
    props = schema.get("properties") or {}
    order = [k for k in ui.get("ui:order") or [] if k == "*" or k in props]
    named = [k for k in order if k != "*"]
    rest = [k for k in props if k not in named]
    keys: list[str] = []
    for key in order:
        keys.extend(rest if key == "*" else [key])
    if "*" not in order:
        keys.extend(rest)
    seen: set[str] = set()
    return [(k, props[k]) for k in keys if not (k in seen or seen.add(k))]


def _kind(prop: Mapping, ui: Mapping) -> str:
    """Which widget draws the field: the UI schema's choice where it fits the type."""
    widget = ui.get("ui:widget")
    kind = _type(prop)
    if kind == "array":
        items = prop.get("items") or {}
        if _type(items) == "object" or "properties" in items:
            return "group"
        return "checkboxes" if _choices(items) else "lines"
    if kind == "object" or (kind is None and "properties" in prop):
        return "object"
    if kind == "boolean":
        return "yesno"
    if widget == "date" or prop.get("format") == "date":
        return "date"
    if widget == "file" or prop.get("format") == "document":
        return "document"  # app/web/document_field.py
    if widget in ("money", "textarea"):
        return widget
    if _choices(prop):
        return "select" if widget == "select" else "radios"
    if widget == "number" or kind in ("integer", "number"):
        return "number"
    return "text"


def own_message(prop: Mapping, keyword: str) -> str | None:
    """The form's own words for a failure (`errorMessage`: one message, or one per keyword),
    as app/services/forms.py reads them for validation."""
    for key in ("errorMessage", "errorMessages"):
        given = prop.get(key)
        if isinstance(given, str) and given.strip():
            return given
        if isinstance(given, dict) and isinstance(given.get(keyword), str):
            return given[keyword]
    return None


def _ui_for(ui: Mapping, key: str) -> dict:
    value = ui.get(key)
    return value if isinstance(value, dict) else {}


def _options(ui: Mapping) -> dict:
    value = ui.get("ui:options")
    return value if isinstance(value, dict) else {}


@dataclass
class _Field:
    key: str
    path: str
    prop: dict
    ui: dict
    kind: str
    title: str
    applies: str | None = None  # when a conditional question applies, for its hint

    @property
    def id(self) -> str:
        return field_id(self.path)

    @property
    def hint(self) -> list[str]:
        """The schema's description and the UI schema's help, each on its own line."""
        parts = [self.prop.get("description"), self.ui.get("ui:help"), self.applies]
        return [str(p).strip() for p in parts if p and str(p).strip()]



def _fields(schema: Mapping, ui: Mapping, prefix: str) -> list[_Field]:
    out = []
    for key, prop in _ordered(schema, ui):
        prop = prop if isinstance(prop, dict) else {}
        field_ui = _ui_for(ui, key)
        if field_ui.get("ui:widget") == "hidden":
            continue
        out.append(_Field(key, prefix + key, prop, field_ui, _kind(prop, field_ui),
                          _title(key, prop, field_ui)))
    return out
