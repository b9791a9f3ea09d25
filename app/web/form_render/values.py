"""Reading a POST back into typed JSON: numbers, dates, choices and lists, with messages for
what cannot be read."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.datastructures import MultiDict

from app.services.form_conditions import applies_when, drop_inapplicable
from app.web.form_render.schema import (
    _MONTHS,
    _NUMBER,
    CHECKBOX_SUFFIX,
    DATE_PARTS,
    MAX_NUMBER_CHARS,
    _choices,
    _encode,
    _Field,
    _fields,
    _ParseError,
    _type,
    _ui_for,
    own_message,
)


def _parse_number(text: str, integer: bool, title: str) -> int | float:
    cleaned = text.replace(",", "").replace(" ", "").replace("£", "", 1)
    wanted = "a whole number" if integer else "a number"
    if len(cleaned) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(cleaned):
        raise _ParseError(f"{title} must be {wanted}")
    try:
        number = Decimal(cleaned)
    except InvalidOperation as exc:  # the pattern should make this unreachable
        raise _ParseError(f"{title} must be {wanted}") from exc
    if number == number.to_integral_value():
        return int(number)
    if integer:
        raise _ParseError(f"{title} must be {wanted}")
    return float(number)


def _parse_scalar(text: str, prop: Mapping, title: str) -> Any:
    """A submitted string as the schema's type; an unknown option is left for validation."""
    for value, _ in _choices(prop):
        if _encode(value) == text:
            return value
    kind = _type(prop)
    if kind == "boolean":
        answer = text.lower()
        if answer in ("yes", "true"):
            return True
        if answer in ("no", "false"):
            return False
        raise _ParseError(f"Select yes or no for {title}")
    if kind in ("integer", "number"):
        return _parse_number(text, kind == "integer", title)
    return text


def _parse_date(parts: list[str], title: str) -> str:
    day, month, year = parts
    message = f"{title} must be a real date"
    month_number = (int(month) if month.isascii() and month.isdigit()
                    else _MONTHS.get(month.lower().rstrip(".")))
    if not (day.isascii() and day.isdigit() and len(day) <= 2 and month_number
            and year.isascii() and year.isdigit() and len(year) == 4):
        raise _ParseError(message)
    try:
        return date(int(year), month_number, int(day)).isoformat()
    except ValueError as exc:
        raise _ParseError(message) from exc


def _parse_field(f: _Field, form: MultiDict, data: dict, errors: dict[str, list[str]]) -> None:
    try:
        if f.kind == "date":
            parts = [form.get(f"{f.key}-{part}", "").strip() for part in DATE_PARTS]
            if any(parts):
                data[f.key] = _parse_date(parts, f.title)
        elif f.kind in ("checkboxes", "lines"):
            if f.kind == "checkboxes":
                texts = form.getlist(f.key + CHECKBOX_SUFFIX) + form.getlist(f.key)
            else:
                texts = [line for text in form.getlist(f.key) for line in text.splitlines()]
            items = f.prop.get("items") or {}
            values: list = []
            for text in (t.strip() for t in texts):
                value = _parse_scalar(text, items, f.title) if text else None
                if text and value not in values:
                    values.append(value)
            if values:
                data[f.key] = values
        elif f.kind in ("group", "object"):
            _parse_nested(f, form, data, errors)
        else:
            text = form.get(f.key, "").strip()
            if text:
                data[f.key] = _parse_scalar(text, f.prop, f.title)
    except _ParseError as exc:
        own = own_message(f.prop, "format" if f.kind == "date" else "type")
        errors.setdefault(f.path, []).append(own or str(exc))


def _parse_nested(f: _Field, form: MultiDict, data: dict, errors: dict[str, list[str]]) -> None:
    if f.kind == "object":
        prefix = f.key + "."
        sub = MultiDict([(k[len(prefix):], v) for k, v in form.items(multi=True)
                         if k.startswith(prefix)])
        value = _parse_properties(f.prop, f.ui, sub, f.path + ".", errors)
        if value:
            data[f.key] = value
        return
    items = f.prop.get("items") or {}
    rows = []
    for index, row in enumerate(_raw_rows(form.items(multi=True), f.key)):
        sub = MultiDict([(k, v) for k, values in row.items() for v in values])
        rows.append(_parse_properties(items, _ui_for(f.ui, "items"), sub,
                                      f"{f.path}.{index}.", errors))
    if rows:
        data[f.key] = rows


def _parse_properties(schema: Mapping, ui: Mapping, form: MultiDict, prefix: str,
                      errors: dict[str, list[str]]) -> dict:
    data: dict = {}
    for f in _fields(schema, ui, prefix):
        _parse_field(f, form, data, errors)
    return data


def parse_submission(schema: dict, ui_schema: dict,
                     form: MultiDict) -> tuple[dict, dict[str, list[str]]]:
    """The POSTed strings as typed JSON for jsonschema, and what could not be read.

    Empty answers are left out so that "required" comes from the schema; a field that cannot
    be read (a non-number, an impossible date) is left out and reported under its dotted path.
    Form keys the schema does not name (csrf_token, action) are ignored.
    """
    if not isinstance(form, MultiDict):
        form = MultiDict(form)
    errors: dict[str, list[str]] = {}
    data = _parse_properties(schema or {}, ui_schema or {}, form, "", errors)
    return data, errors


ROWS_SUFFIX = "-rows"  # how many rows a repeating group's page shows, after "Add another"
MAX_ROWS = 200


def rows_wanted(text: str | None) -> int:
    return min(int(text), MAX_ROWS) if text and text.isascii() and text.isdigit() else 0


def row_action(form: MultiDict) -> MultiDict | None:
    """The post after an "Add another" or "Remove" button, or None for any other button.

    Without JavaScript the page is drawn again from this: one more (empty) row to fill, or
    the removed row's inputs gone (rows are numbered as drawn, so the others close up).
    """
    kind, _, path = str(form.get("action") or "").partition(":")
    if kind not in ("add", "remove") or not path:
        return None
    if kind == "add":
        out = MultiDict(form)
        out.setlist(path + ROWS_SUFFIX, [str(rows_wanted(form.get(path + ROWS_SUFFIX)) + 1)])
        return out
    group, _, index = path.rpartition(".")
    out = MultiDict([(k, v) for k, v in form.items(multi=True) if not k.startswith(path + ".")])
    out.setlist(group + ROWS_SUFFIX,
                [str(max(rows_wanted(form.get(group + ROWS_SUFFIX)) - 1, 1))])
    return out


def only_applicable(schema: dict, data: dict, errors: dict[str, list[str]],
                    ui: dict | None = None) -> tuple[dict, dict[str, list[str]]]:
    """What is submitted: answers to questions that do not apply are dropped, and so are
    complaints about them (a draft keeps both, as the person may yet change the answer that
    decides)."""
    data = drop_inapplicable(schema or {}, dict(data), ui)
    rules = applies_when(schema or {}, ui)
    kept = {path: messages for path, messages in errors.items()
            if not (path.split(".")[0] in rules and not rules[path.split(".")[0]].holds(data))}
    return data, kept


def _reads(f: _Field, name: str) -> bool:
    if f.kind in ("group", "object"):
        return name.startswith(f.key + ".")
    if f.kind == "date":
        return name in {f"{f.key}-{part}" for part in DATE_PARTS}
    return name in (f.key, f.key + CHECKBOX_SUFFIX)


def fields_read(schema: dict, ui_schema: dict, names: Iterable[str]) -> set[str]:
    """The form's top-level fields that any of these input names answers (posted empty too)."""
    fields = _fields(schema or {}, ui_schema or {}, "")
    names = list(names)
    return {f.key for f in fields if any(_reads(f, name) for name in names)}


def typed_inputs(schema: dict, ui_schema: dict, form: MultiDict) -> list[list[str]]:
    """What was typed into the form's own fields, as [[input name, text], ...] in form order.

    Only the inputs the form reads (no csrf_token, action or stray names) and only non-empty
    ones: enough to read the answers again with `parse_submission` or show them as typed.
    """
    if not isinstance(form, MultiDict):
        form = MultiDict(form)
    fields = _fields(schema or {}, ui_schema or {}, "")
    return [[name, value] for name, value in form.items(multi=True)
            if isinstance(value, str) and value != ""
            and any(_reads(f, name) for f in fields)]


def as_typed(data: Mapping, typed: Iterable | None) -> dict:
    """Values for `render_form`: the typed strings (first of each name) over the read data,
    as after a failed POST, so each field shows exactly what was typed."""
    values = dict(data or {})
    seen: set[str] = set()
    for name, value in typed or []:
        if name not in seen:
            seen.add(name)
            values[name] = value
    return values

def _raw_rows(pairs: Iterable[tuple[str, str]], key: str) -> list[dict[str, list[str]]]:
    """A repeating group's submitted rows in index order, fully empty rows dropped.

    Parsing and rendering both number rows this way, so the indexes in validation errors
    point at the rows the page shows.
    """
    prefix = key + "."
    rows: dict[int, dict[str, list[str]]] = {}
    for name, value in pairs:
        if not name.startswith(prefix):
            continue
        index, _, rest = name[len(prefix):].partition(".")
        if rest and index.isascii() and index.isdigit() and len(index) <= 6:
            rows.setdefault(int(index), {}).setdefault(rest, []).append(value)
    return [row for _, row in sorted(rows.items())
            if any(str(v).strip() for values in row.values() for v in values)]
