"""Each kind of field drawn as GOV.UK Frontend HTML, prefilled and showing its errors."""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from app.services.form_conditions import Condition, applies_when, decided_here
from app.web import document_field
from app.web.form_render.conditional import _answer_input, _applies, _option_value
from app.web.form_render.html import (
    _class_option,
    _classes,
    _fieldset,
    _form_group,
    _hint_and_error,
    _tag,
    _void,
)
from app.web.form_render.schema import (
    _ISO_DATE,
    CHECKBOX_SUFFIX,
    DATE_PARTS,
    TEXT_INPUT_TYPES,
    _choices,
    _encode,
    _Field,
    _fields,
    _options,
    _type,
    _ui_for,
)
from app.web.form_render.values import ROWS_SUFFIX, _raw_rows, rows_wanted


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


def _render_choices(f: _Field, src: _Source, errors: _Errors,
                    reveals: Mapping[str, list[Markup]] | None = None) -> Markup:
    """Radios (one answer, yes/no inline) or checkboxes (any number), in a fieldset.

    `reveals` are the questions nested under an option (by its value in HTML): GOV.UK
    Frontend hides them until the option is chosen, and without JavaScript they all show.
    """
    reveals = reveals or {}
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
    # A conditional reveal cannot sit inside an inline row of options.
    inline = _options(f.ui).get("inline", f.kind == "yesno") and not reveals
    items = []
    for number, (value, text) in enumerate(choices, start=1):
        option_id = fid if number == 1 else f"{fid}-{number}"
        encoded = _encode(value)
        nested = reveals.get(encoded)
        items.append(_tag("div", {"class": f"govuk-{module}__item"},
                          _void("input", {"class": f"govuk-{module}__input", "id": option_id,
                                          "name": name,
                                          "type": "radio" if module == "radios" else "checkbox",
                                          "value": encoded, "checked": encoded in ticked,
                                          "data-app-reveal": f"{option_id}-conditional"
                                          if nested else None}),
                          _tag("label", {"class": f"govuk-label govuk-{module}__label",
                                         "for": option_id}, text)))
        if nested:
            items.append(_tag("div", {"class": _classes(
                f"govuk-{module}__conditional",
                None if encoded in ticked else f"govuk-{module}__conditional--hidden"),
                "id": f"{option_id}-conditional"}, Markup("\n").join(nested)))
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



def _render_group(f: _Field, src: _Source, errors: _Errors) -> Markup:
    """A list of objects, GOV.UK's "add another" way: each row a fieldset of its fields with
    a Remove button, then "Add another". Both are submit buttons, so no JavaScript is needed:
    the server draws the page again with one row more or less (values.row_action)."""
    items = f.prop.get("items") or {}
    items_ui = _ui_for(f.ui, "items")
    raw = [{k: v[0] for k, v in row.items()} for row in _raw_rows(src.raw.items(), f.key)]
    typed = src.typed.get(f.key)
    typed = typed if isinstance(typed, list) else []
    total = max(len(raw), len(typed), rows_wanted(src.raw.get(f.key + ROWS_SUFFIX)), 1)
    limit = f.prop.get("maxItems")
    if isinstance(limit, int) and limit > 0:
        total = min(total, limit)
    item_title = str(items.get("title") or "Item")
    rows = []
    for index in range(total):
        row = _Source(raw[index] if index < len(raw) else {},
                      typed[index] if index < len(typed) and isinstance(typed[index], dict)
                      else {})
        inner = _render_properties(items, items_ui, row, f"{f.path}.{index}.", errors)
        if total > 1:
            inner += _tag("button", {
                "type": "submit", "name": "action", "value": f"remove:{f.path}.{index}",
                "class": "govuk-button govuk-button--secondary", "data-module": "govuk-button"},
                "Remove", _tag("span", {"class": "govuk-visually-hidden"},
                               f" {item_title.lower()} {index + 1}"))
        rows.append(_fieldset(f"{item_title} {index + 1}", "s", inner))
    rows.append(_void("input", {"type": "hidden", "name": f.path + ROWS_SUFFIX,
                                "value": str(total)}))
    if not (isinstance(limit, int) and total >= limit):
        rows.append(_tag("button", {
            "type": "submit", "name": "action", "value": f"add:{f.path}",
            "class": "govuk-button govuk-button--secondary", "data-module": "govuk-button"},
            f"Add another {item_title.lower()}"))
    messages = errors.take(f.path)  # after the rows, so it keeps only what no row field showed
    extra, described = _hint_and_error(f.id, f.hint, messages)
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


_CHOICE_KINDS = ("radios", "yesno", "checkboxes")


def _render_properties(schema: Mapping, ui: Mapping, src: _Source, prefix: str,
                       errors: _Errors, known: Collection[str] = (),
                       saved: Mapping | None = None) -> Markup:
    fields = _fields(schema, ui, prefix)
    by_key = {f.key: f for f in fields}
    every = {name: r for name, r in applies_when(schema, ui, known).items() if name in by_key}
    rules = {name: c for name, c in every.items()
             if isinstance(c, Condition) and c.field in by_key}
    # Under a select there is nowhere to nest: the question follows it instead (its hint still
    # says when it applies), so that it stays beside the answer that decides it.
    nested = {name: c for name, c in rules.items() if by_key[c.field].kind in _CHOICE_KINDS}
    # A question that applies after any of several answers (or after an answer given on an
    # earlier page) stays where it stands: the answers on this page decide in the browser
    # (reveal.mjs, which needs the inputs that give them); without JavaScript it simply
    # shows, with its hint.
    here, skipped = decided_here({n: r for n, r in every.items() if n not in rules}, by_key,
                                 src.typed if saved is None else saved)
    gated = {name: [_answer_input(by_key[c.field], c) for c in conds]
             for name, conds in here.items()}

    def draw(f: _Field) -> Markup:
        reveals: dict[str, list[Markup]] = {}
        after: list[Markup] = []
        for dependent in fields:
            condition = rules.get(dependent.key)
            if condition is None or condition.field != f.key:
                continue
            dependent.applies = _applies(f, condition)
            if dependent.key in nested:
                reveals.setdefault(_option_value(f, condition.value), []).append(
                    draw(dependent))
            else:
                after.append(draw(dependent))
        own = (_render_choices(f, src, errors, reveals) if f.kind in _CHOICE_KINDS
               else _RENDERERS[f.kind](f, src, errors))
        if f.key in gated:
            own = _tag("div", {"class": "app-applies-when", "id": f"{f.id}-applies",
                               "data-app-applies-when": json.dumps(gated[f.key])}, own)
        return Markup("\n").join([own, *after])

    return Markup("\n").join(draw(f) for f in fields
                             if f.key not in rules and f.key not in skipped)


def render_form(schema: dict, ui_schema: dict, values: dict,
                errors: dict[str, list[str]], form_fields: Collection[str] = (),
                saved: Mapping | None = None) -> Markup:
    """The form's fields (no <form> or buttons), prefilled and showing errors.

    `form_fields`: when `schema` is one section of a longer form, the whole form's questions,
    whose saved answers (`saved`, else `values`) decide the section's questions that depend
    on them.

    `values` may be typed JSON (a draft or prefill) or, after a failed POST, the posted
    strings merged over the parsed data; a posted string wins, so the user sees what they typed.
    """
    schema, ui_schema, values = schema or {}, ui_schema or {}, values or {}
    src = _Source({k: v for k, v in values.items() if isinstance(v, str)}, values)
    body = _render_properties(schema, ui_schema, src, "", _Errors(errors or {}), form_fields,
                              saved)
    if ROWS_SUFFIX in str(body):
        # Enter in a text box presses the form's first submit button: without this one that
        # would be a row's Remove. Kept out of sight and of the tab order; it saves a draft.
        body = Markup('<button type="submit" name="action" value="draft" '
                      'class="app-default-submit" tabindex="-1" aria-hidden="true">'
                      'Save as draft</button>\n') + body
    if schema.get("description"):
        body = _tag("p", {"class": "govuk-body"}, schema["description"]) + Markup("\n") + body
    return body
