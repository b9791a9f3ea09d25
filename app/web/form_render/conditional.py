"""How a conditional question is told apart on the page: the hint that says when it applies
(all a page without JavaScript has) and the answers reveal.mjs watches for."""
from __future__ import annotations

from typing import Any

from app.services.form_conditions import Condition
from app.web.form_render.schema import CHECKBOX_SUFFIX, _choices, _encode, _Field


def _option_value(f: _Field, value: Any) -> str:
    if f.kind == "yesno" and isinstance(value, bool):
        return "yes" if value else "no"
    return _encode(value)


def _applies(controller: _Field, condition: Condition) -> str:
    """The hint that says when a nested question applies: all that shows without JavaScript."""
    choices = ([(True, "Yes"), (False, "No")] if controller.kind == "yesno" else
               _choices((controller.prop.get("items") or {}) if condition.ticked
                        else controller.prop))
    label = next((text for v, text in choices if _option_value(controller, v)
                  == _option_value(controller, condition.value)), str(condition.value))
    verb = "ticked" if condition.ticked else "answered"
    return f"Answer this only if you {verb} ‘{label}’ for ‘{controller.title}’"


def _answer_input(controller: _Field, condition: Condition) -> list[str]:
    """The input name and value that give this answer on the page, for reveal.mjs."""
    name = controller.path + (CHECKBOX_SUFFIX if condition.ticked else "")
    return [name, _option_value(controller, condition.value)]
