"""User-task forms: JSON Schema files in forms/ (or edited in the browser), and server-side
validation of submissions."""
from __future__ import annotations

import builtins
import json
from functools import lru_cache

from jsonschema import FormatChecker

from app.engine import sandbox
from app.engine.form_schema import FormValidator
from app.models import HumanTask, ProcessModelVersion
from app.services import form_store


@lru_cache(maxsize=512)
def _parse(text: str) -> dict:
    return json.loads(text)


def load_form(filename: str | None, version: ProcessModelVersion | None = None) -> dict:
    """The parsed form, or {} when there is none: as deployed with `version` when given (and
    deployed with forms), else the newest saved in the browser, else the file under forms/."""
    if not filename:
        return {}
    kept = (version.forms or {}) if version is not None else {}
    text = kept.get(filename) or form_store.read(filename)
    return _parse(text) if text else {}


def task_form(task: HumanTask, ui: bool = False) -> dict:
    """A task's form (or its layout) as deployed with the version its case runs on."""
    return load_form(task.form_ui_schema_file if ui else task.form_schema_file,
                     task.instance.model_version)


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> FormValidator:
    """Draft 2020-12, with patterns run on RE2 (app/engine/form_schema.py)."""
    return FormValidator(json.loads(schema_json), format_checker=FormatChecker())


def _node(schema: dict, path: list) -> dict:
    node = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, {})
    return node


def _title(schema: dict, path: list) -> str:
    return _node(schema, path).get("title") or (str(path[-1]) if path else "form")


def _own(node: dict, keyword: str) -> str | None:
    """The form's own words for a failure: `errorMessage` (one message, or one per keyword as
    with ajv-errors) or the older `errorMessages`, on the field's schema."""
    for key in ("errorMessage", "errorMessages"):
        given = node.get(key)
        if isinstance(given, str) and given.strip():
            return given
        if isinstance(given, dict) and isinstance(given.get(keyword), str):
            return given[keyword]
    return None


def _phrase(title: str) -> str:
    """A title as words inside a sentence: "Date of birth" -> "date of birth"."""
    words = title.rstrip("?:. ")
    if len(words) > 1 and words[0].isupper() and not words[1].isupper():
        words = words[0].lower() + words[1:]
    return words


def _missing(schema: dict, path: list) -> str:
    """GOV.UK style, saying what to do: "Enter date of birth", "Select legal status". A
    question for a title cannot be turned round ("How old is …?"), so it is quoted; a form
    gives its own words ("Enter the child's age") with errorMessage."""
    node = _node(schema, path)
    own = _own(node, "required")
    if own:
        return own
    title = _title(schema, path).strip()
    question = title.endswith("?")
    choice = ("enum" in node or "oneOf" in node or "anyOf" in node
              or node.get("type") in ("boolean", "array"))
    if node.get("type") == "boolean":
        return f"Select yes or no for ‘{title}’" if question else f"Select {_phrase(title)}"
    if choice:
        return f"Select an answer for ‘{title}’" if question else f"Select {_phrase(title)}"
    if node.get("format") == "date":
        return f"Enter a date for ‘{title}’" if question else f"Enter {_phrase(title)}"
    if node.get("format") == "document":
        return f"Upload {_phrase(title)}" if not question else f"Upload a file for ‘{title}’"
    return f"Enter an answer for ‘{title}’" if question else f"Enter {_phrase(title)}"


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "yes or no", "array": "a list", "object": "a group of answers"}


def _message(error, title: str, node: dict) -> str:
    """GOV.UK-style wording for the common failures; jsonschema's own text otherwise."""
    kind, value = error.validator, error.validator_value
    own = _own(node, kind)
    if own:
        return own
    if kind in ("enum", "oneOf", "anyOf", "const"):
        return f"Select one of the options for {title}"
    if kind == "type":
        wanted = value if isinstance(value, str) else value[0]
        return f"{title} must be {_TYPE_WORDS.get(wanted, wanted)}"
    if kind == "format" and value in ("date", "date-time"):
        return f"{title} must be a real date"
    if kind == "minimum":
        return f"{title} must be {value} or more"
    if kind == "maximum":
        return f"{title} must be {value} or less"
    if kind == "minLength" and value == 1:
        return f"Enter {title}"
    if kind == "maxItems":
        return f"{title} may have at most {value} answers"
    if kind == "maxLength":
        return f"{title} must be {value} characters or fewer"
    if kind == "additionalProperties":
        return error.message
    return f"{title}: {error.message}"


# Set by the app when a pathway starts; a form may never overwrite them.
RESERVED_KEYS = frozenset({"initiator", "subject", "case_allocated_worker"})
# What a diagram's code may call: data given at the start must not shadow them either.
RESERVED_NAMES = RESERVED_KEYS | frozenset(dir(builtins)) | frozenset(sandbox.HELPERS)


def keep_form_fields(schema: dict, data: dict) -> dict:
    """Only the answers the form asks for: a client may post back the whole prefill, and
    stray keys must not overwrite the variables that gateways read."""
    properties = schema.get("properties") if schema else None
    return {key: value for key, value in data.items()
            if key not in RESERVED_KEYS and (properties is None or key in properties)}


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    messages = errors.setdefault(field, [])
    if message not in messages:  # if/then branches can report the same gap twice
        messages.append(message)


def validate(schema: dict, data: dict, context: dict | None = None) -> dict[str, list[str]]:
    """Per-field messages, keyed by dotted path; empty when the data is valid.

    `context` is what the case already knows (earlier answers). A form's if/then rules may
    depend on it, e.g. "court hearing dates are needed when the family is in care
    proceedings", but it never answers one of the form's own fields.
    """
    if not schema:
        return {}
    own = set(schema.get("properties") or {})
    if context:
        data = {**{k: v for k, v in context.items() if k not in own}, **data}
    errors: dict[str, list[str]] = {}
    validator = _validator(json.dumps(schema, sort_keys=True))
    for error in validator.iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "required":
            present = error.instance if isinstance(error.instance, dict) else {}
            for name in error.validator_value:
                if name not in present:
                    field = ".".join(str(p) for p in [*path, name])
                    _add(errors, field, _missing(schema, [*path, name]))
            continue
        field = ".".join(str(p) for p in path) or "_form"
        _add(errors, field, _message(error, _title(schema, path), _node(schema, path)))
    return errors
