"""Small GOV.UK Frontend HTML builders shared by the widgets: tags, hints, errors, fieldsets."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from app.web.form_render.schema import _CLASS_TOKEN, _options


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
