"""A task's form (JSON Schema + UI schema) as GOV.UK Frontend fields, and the POST back as JSON.

Rendered on the server so the pages work without JavaScript, and driven by the same schema the
service validates with, so a pathway author only edits the form files. Conditionals
(if/then/allOf) are not acted on here: every field is shown and the server's validation says
what is missing.

Naming: an input's name is the field's dotted path ("actions.0.owner"); a date's three inputs
add "-day", "-month" and "-year"; checkboxes add "[]", so that a page which echoes
`{**data, **request.form.to_dict()}` after a failed POST keeps the parsed list rather than the
first ticked box.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from app.web import document_field

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


def _ui_for(ui: Mapping, key: str) -> dict:
    value = ui.get(key)
    return value if isinstance(value, dict) else {}


def _options(ui: Mapping) -> dict:
    value = ui.get("ui:options")
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

def _attrs(attrs: Mapping[str, Any]) -> Markup:
    out = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            out.append(Markup(" {}").format(name))
        else:
            out.append(Markup(' {}="{}"').format(name, value))
    return Markup("").join(out)


def _tag(name: str, attrs: Mapping[str, Any], *content: Any) -> Markup:
    return Markup("<{}{}>{}</{}>").format(name, _attrs(attrs), Markup("").join(content), name)


def _void(name: str, attrs: Mapping[str, Any]) -> Markup:
    return Markup("<{}{}>").format(name, _attrs(attrs))


def _classes(*names: str | None) -> str:
    return " ".join(n for n in names if n)


def _class_option(ui: Mapping) -> str | None:
    """Only plain class names from ui:options.classNames reach the page."""
    tokens = str(_options(ui).get("classNames") or "").split()
    return " ".join(t for t in tokens if _CLASS_TOKEN.fullmatch(t)) or None


@dataclass
class _Errors:
    """Messages by dotted path; each is shown once, at the field nearest to its path."""

    messages: Mapping[str, list[str]]
    shown: set[str] = field(default_factory=set)

    def take(self, path: str, descendants: bool = True) -> list[str]:
        keys = [path]
        if descendants:
            keys += sorted(k for k in self.messages if k.startswith(path + "."))
        found: list[str] = []
        for key in keys:
            if key in self.messages and key not in self.shown:
                self.shown.add(key)
                found += [str(m) for m in self.messages[key] or [] if str(m) not in found]
        return found


@dataclass
class _Source:
    """Values for one level of the form: submitted strings by input name, and typed JSON."""

    raw: dict[str, str]
    typed: Mapping[str, Any]

    def child(self, key: str) -> _Source:
        prefix = key + "."
        typed = self.typed.get(key)
        return _Source({k[len(prefix):]: v for k, v in self.raw.items() if k.startswith(prefix)},
                       typed if isinstance(typed, dict) else {})


@dataclass
class _Field:
    key: str
    path: str
    prop: dict
    ui: dict
    kind: str
    title: str

    @property
    def id(self) -> str:
        return field_id(self.path)

    @property
    def hint(self) -> list[str]:
        """The schema's description and the UI schema's help, each on its own line."""
        parts = [self.prop.get("description"), self.ui.get("ui:help")]
        return [str(p).strip() for p in parts if p and str(p).strip()]


def _hint_and_error(fid: str, hint: list[str], messages: list[str]) -> tuple[Markup, str | None]:
    """The hint and error message, and the ids for aria-describedby."""
    html, ids = [], []
    if hint:
        html.append(_tag("div", {"id": f"{fid}-hint", "class": "govuk-hint"},
                         Markup("<br>").join(hint)))
        ids.append(f"{fid}-hint")
    if messages:
        text = Markup("<br>").join(messages)
        html.append(Markup('<p id="{}" class="govuk-error-message"><span '
                           'class="govuk-visually-hidden">Error:</span> {}</p>')
                    .format(f"{fid}-error", text))
        ids.append(f"{fid}-error")
    return Markup("").join(html), " ".join(ids) or None


def _form_group(has_error: bool, *content: Any) -> Markup:
    return _tag("div", {"class": _classes("govuk-form-group",
                                          "govuk-form-group--error" if has_error else None)},
                *content)


def _fieldset(title: str, size: str, inner: Markup, *, described: str | None = None,
              role: str | None = None, fid: str | None = None) -> Markup:
    legend = _tag("legend", {"class": f"govuk-fieldset__legend govuk-fieldset__legend--{size}"},
                  title)
    return _tag("fieldset", {"class": "govuk-fieldset", "id": fid, "role": role,
                             "aria-describedby": described}, legend, inner)


def _number_text(value: Any, money: bool) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if money and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _text_value(src: _Source, f: _Field) -> str:
    """The submitted string if there is one, or the typed value written as the user would."""
    if f.key in src.raw:
        return src.raw[f.key]
    value = src.typed.get(f.key)
    if value is None:
        return ""
    if isinstance(value, list) and f.kind == "lines":
        return "\n".join(_plain(v, False) for v in value)
    return _plain(value, f.kind == "money")


def _plain(value: Any, money: bool) -> str:
    """A typed value as the user would have typed it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number_text(value, money)
    return str(value)


def _render_input(f: _Field, src: _Source, errors: _Errors) -> Markup:
    fid, messages = f.id, errors.take(f.path)
    extra, described = _hint_and_error(fid, f.hint, messages)
    options = _options(f.ui)
    numeric = f.kind in ("number", "money")
    integer = _type(f.prop) == "integer"
    input_type = str(options.get("inputType") or "text")
    input_type = input_type if input_type in TEXT_INPUT_TYPES and not numeric else "text"
    width = _class_option(f.ui)
    if width is None:
        if numeric:
            width = "govuk-input--width-5" if integer else "govuk-input--width-10"
        elif input_type == "time":
            width = "govuk-input--width-5"
        elif isinstance(f.prop.get("maxLength"), int) and f.prop["maxLength"] <= 20:
            width = "govuk-input--width-20" if f.prop["maxLength"] > 10 else "govuk-input--width-10"
    element = _void("input", {
        "class": _classes("govuk-input", width, "govuk-input--error" if messages else None),
        "id": fid, "name": f.path, "type": input_type, "value": _text_value(src, f) or None,
        "step": options.get("step") if input_type == "time" else None,
        "inputmode": ("numeric" if integer else "decimal") if numeric else None,
        "spellcheck": "false" if numeric else None,
        "aria-describedby": described})
    if f.kind == "money":
        element = _tag("div", {"class": "govuk-input__wrapper"},
                       Markup('<div class="govuk-input__prefix" aria-hidden="true">£</div>'),
                       element)
    label = _tag("label", {"class": "govuk-label govuk-label--s", "for": fid}, f.title)
    return _form_group(bool(messages), label, extra, element)


def _render_textarea(f: _Field, src: _Source, errors: _Errors) -> Markup:
    fid, messages = f.id, errors.take(f.path)
    hint = f.hint + (["Put each answer on its own line."] if f.kind == "lines" else [])
    extra, described = _hint_and_error(fid, hint, messages)
    rows = _options(f.ui).get("rows")
    label = _tag("label", {"class": "govuk-label govuk-label--s", "for": fid}, f.title)
    element = _tag("textarea", {
        "class": _classes("govuk-textarea", "govuk-textarea--error" if messages else None),
        "id": fid, "name": f.path, "rows": rows if isinstance(rows, int) and rows > 0 else 5,
        "aria-describedby": described}, _text_value(src, f))
    return _form_group(bool(messages), label, extra, element)


def _render_select(f: _Field, src: _Source, errors: _Errors) -> Markup:
    fid, messages = f.id, errors.take(f.path)
    extra, described = _hint_and_error(fid, f.hint, messages)
    current = _chosen(src, f)
    options = [_tag("option", {"value": ""}, "Choose an option")]
    options += [_tag("option", {"value": _encode(v), "selected": _encode(v) == current}, text)
                for v, text in _choices(f.prop)]
    label = _tag("label", {"class": "govuk-label govuk-label--s", "for": fid}, f.title)
    element = _tag("select", {
        "class": _classes("govuk-select", "govuk-select--error" if messages else None),
        "id": fid, "name": f.path, "aria-describedby": described}, *options)
    return _form_group(bool(messages), label, extra, element)


def _chosen(src: _Source, f: _Field) -> str | None:
    if f.key in src.raw:
        return src.raw[f.key]
    value = src.typed.get(f.key)
    if value is None:
        return None
    if f.kind == "yesno" and isinstance(value, bool):
        return "yes" if value else "no"
    return _encode(value)


def _render_choices(f: _Field, src: _Source, errors: _Errors) -> Markup:
    """Radios (one answer, yes/no inline) or checkboxes (any number), in a fieldset."""
    fid, messages = f.id, errors.take(f.path)
    extra, described = _hint_and_error(fid, f.hint, messages)
    if f.kind == "checkboxes":
        module, name, choices = "checkboxes", f.path + CHECKBOX_SUFFIX, _choices(f.prop["items"])
        typed = src.typed.get(f.key)
        if isinstance(typed, list):
            ticked = {_encode(v) for v in typed}
        elif f.key + CHECKBOX_SUFFIX in src.raw:
            ticked = {src.raw[f.key + CHECKBOX_SUFFIX]}
        else:
            ticked = {_encode(typed)} if typed is not None else set()
    else:
        module, name = "radios", f.path
        choices = ([("yes", "Yes"), ("no", "No")] if f.kind == "yesno" else
                   [(_encode(v), text) for v, text in _choices(f.prop)])
        current = _chosen(src, f)
        if f.kind == "yesno" and current in ("true", "false"):
            current = "yes" if current == "true" else "no"
        ticked = {current} if current is not None else set()
    inline = _options(f.ui).get("inline", f.kind == "yesno")
    items = []
    for number, (value, text) in enumerate(choices, start=1):
        option_id = fid if number == 1 else f"{fid}-{number}"
        encoded = _encode(value)
        items.append(_tag("div", {"class": f"govuk-{module}__item"},
                          _void("input", {"class": f"govuk-{module}__input", "id": option_id,
                                          "name": name,
                                          "type": "radio" if module == "radios" else "checkbox",
                                          "value": encoded, "checked": encoded in ticked}),
                          _tag("label", {"class": f"govuk-label govuk-{module}__label",
                                         "for": option_id}, text)))
    box = _tag("div", {"class": _classes(f"govuk-{module}",
                                         f"govuk-{module}--inline" if inline else None),
                       "data-module": f"govuk-{module}"}, *items)
    return _form_group(bool(messages),
                       _fieldset(f.title, "s", extra + box, described=described))


def _date_parts(src: _Source, f: _Field) -> list[str]:
    raw = [src.raw.get(f"{f.key}-{part}") for part in DATE_PARTS]
    if any(part is not None for part in raw):
        return [part or "" for part in raw]
    typed = src.typed.get(f.key)
    match = _ISO_DATE.fullmatch(typed) if isinstance(typed, str) else None
    if match:
        year, month, day = match.groups()
        return [str(int(day)), str(int(month)), year]
    return ["", "", ""]


def _render_date(f: _Field, src: _Source, errors: _Errors) -> Markup:
    fid, messages = f.id, errors.take(f.path)
    hint = f.hint
    if not any("for example" in line.lower() for line in hint):
        hint.append(f"For example, 27 3 {date.today().year}")
    extra, described = _hint_and_error(fid, hint, messages)
    items = []
    for part, value in zip(DATE_PARTS, _date_parts(src, f), strict=True):
        part_id = fid if part == "day" else f"{fid}-{part}"
        width = "govuk-input--width-4" if part == "year" else "govuk-input--width-2"
        items.append(_tag("div", {"class": "govuk-date-input__item"}, _tag(
            "div", {"class": "govuk-form-group"},
            _tag("label", {"class": "govuk-label govuk-date-input__label", "for": part_id},
                 part.capitalize()),
            _void("input", {"class": _classes("govuk-input govuk-date-input__input",
                                               "govuk-input--error" if messages else None,
                                               width),
                            "id": part_id, "name": f"{f.path}-{part}", "type": "text",
                            "inputmode": "numeric", "value": value or None}))))
    box = _tag("div", {"class": "govuk-date-input"}, *items)
    return _form_group(bool(messages),
                       _fieldset(f.title, "s", extra + box, described=described, role="group"))


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


def _render_group(f: _Field, src: _Source, errors: _Errors) -> Markup:
    """A list of objects: each row a fieldset of its fields, plus one empty row to add."""
    items = f.prop.get("items") or {}
    items_ui = _ui_for(f.ui, "items")
    raw = [{k: v[0] for k, v in row.items()} for row in _raw_rows(src.raw.items(), f.key)]
    typed = src.typed.get(f.key)
    typed = typed if isinstance(typed, list) else []
    count = max(len(raw), len(typed))
    limit = f.prop.get("maxItems")
    total = count + (0 if isinstance(limit, int) and count >= limit else 1)
    item_title = str(items.get("title") or "Item")
    rows = []
    for index in range(total):
        row = _Source(raw[index] if index < len(raw) else {},
                      typed[index] if index < len(typed) and isinstance(typed[index], dict)
                      else {})
        inner = _render_properties(items, items_ui, row, f"{f.path}.{index}.", errors)
        rows.append(_fieldset(f"{item_title} {index + 1}", "s", inner))
    messages = errors.take(f.path)  # after the rows, so it keeps only what no row field showed
    hint = f.hint + (["To remove a row, clear all of its answers."] if count else [])
    extra, described = _hint_and_error(f.id, hint, messages)
    return _form_group(bool(messages), _fieldset(f.title, "m", extra + Markup("").join(rows),
                                                 described=described, fid=f.id))


def _render_object(f: _Field, src: _Source, errors: _Errors) -> Markup:
    inner = _render_properties(f.prop, f.ui, src.child(f.key), f.path + ".", errors)
    messages = errors.take(f.path)
    extra, described = _hint_and_error(f.id, f.hint, messages)
    return _form_group(bool(messages), _fieldset(f.title, "m", extra + inner,
                                                 described=described, fid=f.id))


def _render_document(f: _Field, src: _Source, errors: _Errors) -> Markup:
    return document_field.render(f.id, f.path, f.title, f.hint, errors.take(f.path),
                                 _text_value(src, f))


_RENDERERS = {
    "text": _render_input, "number": _render_input, "money": _render_input,
    "textarea": _render_textarea, "lines": _render_textarea, "select": _render_select,
    "radios": _render_choices, "yesno": _render_choices, "checkboxes": _render_choices,
    "date": _render_date, "group": _render_group, "object": _render_object,
    "document": _render_document,
}


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


def _render_properties(schema: Mapping, ui: Mapping, src: _Source, prefix: str,
                       errors: _Errors) -> Markup:
    return Markup("\n").join(_RENDERERS[f.kind](f, src, errors)
                             for f in _fields(schema, ui, prefix))


def render_form(schema: dict, ui_schema: dict, values: dict,
                errors: dict[str, list[str]]) -> Markup:
    """The form's fields (no <form> or buttons), prefilled and showing errors.

    `values` may be typed JSON (a draft or prefill) or, after a failed POST, the posted
    strings merged over the parsed data; a posted string wins, so the user sees what they typed.
    """
    schema, ui_schema, values = schema or {}, ui_schema or {}, values or {}
    src = _Source({k: v for k, v in values.items() if isinstance(v, str)}, values)
    body = _render_properties(schema, ui_schema, src, "", _Errors(errors or {}))
    if schema.get("description"):
        body = _tag("p", {"class": "govuk-body"}, schema["description"]) + Markup("\n") + body
    return body


# ---------------------------------------------------------------------------------------------
# Parsing a POST
# ---------------------------------------------------------------------------------------------

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
        errors.setdefault(f.path, []).append(str(exc))


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


def _reads(f: _Field, name: str) -> bool:
    if f.kind in ("group", "object"):
        return name.startswith(f.key + ".")
    if f.kind == "date":
        return name in {f"{f.key}-{part}" for part in DATE_PARTS}
    return name in (f.key, f.key + CHECKBOX_SUFFIX)


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


# ---------------------------------------------------------------------------------------------
# Showing answers read-only
# ---------------------------------------------------------------------------------------------

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
    if prop.get("format") == "document" or ui.get("ui:widget") == "file":
        return document_field.describe(value)
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
