"""A long form answered a section at a time: the UI schema's `ui:sections` ([{"title": ...,
"fields": [...]}, ...]) makes the task page a GOV.UK task list, each section its own page that
saves to the task's one draft, then a check-your-answers page that submits the draft whole.

Only the pages change: the task's data, its validation and the API's one `complete` with all
the answers are the same as for a form on one page.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.services import forms, rounds
from app.web import form_render, known_facts

COMPLETED, INCOMPLETE, NOT_STARTED = "Completed", "Incomplete", "Not yet started"


@dataclass
class Section:
    number: int  # from 1, as in the page's address
    title: str
    fields: list[str]
    status: str = NOT_STARTED
    problems: dict[str, list[str]] = field(default_factory=dict)


def sections(schema: Mapping, ui: Mapping) -> list[Section]:
    """The form's sections, or [] for a form on one page. Fields named in no section are
    gathered into a last "Other questions" section, so no question is ever out of reach."""
    props = (schema or {}).get("properties") or {}
    listed = (ui or {}).get("ui:sections")
    if not isinstance(listed, list) or not listed:
        return []
    found: list[Section] = []
    seen: set[str] = set()
    for entry in listed:
        if not isinstance(entry, Mapping):
            continue
        names = [n for n in entry.get("fields") or [] if n in props and n not in seen]
        seen.update(names)
        if names:
            found.append(Section(len(found) + 1, str(entry.get("title") or "Questions"), names))
    rest = [n for n in props if n not in seen
            and ((ui or {}).get(n) or {}).get("ui:widget") != "hidden"]
    if rest:
        found.append(Section(len(found) + 1, "Other questions", rest))
    return found


def section_form(schema: Mapping, ui: Mapping, section: Section) -> tuple[dict, dict]:
    """The schema and UI schema of one section's page: its fields only, in its order, with
    the form's rules kept so that its conditional questions still nest."""
    props = schema.get("properties") or {}
    part = {key: value for key, value in schema.items()
            if key not in ("properties", "required", "description", "title")}
    part["properties"] = {name: props[name] for name in section.fields}
    part["required"] = [n for n in schema.get("required") or [] if n in section.fields]
    part_ui = {key: value for key, value in (ui or {}).items()
               if key in section.fields or key.startswith("ui:")}
    part_ui["ui:order"] = list(section.fields)
    part_ui.pop("ui:sections", None)
    return part, part_ui


def with_status(found: list[Section], problems: Mapping[str, list[str]],
                data: Mapping) -> list[Section]:
    """Each section's status from the whole form's problems (missing answers included)."""
    for section in found:
        section.problems = {path: messages for path, messages in problems.items()
                            if path.split(".")[0] in section.fields}
        answered = any(data.get(name) not in (None, "", [], {}) for name in section.fields)
        if section.problems:
            section.status = INCOMPLETE if answered else NOT_STARTED
        else:
            # A section of optional questions left blank is done: nothing in it is needed.
            section.status = COMPLETED
    return found


def ready_to_check(found: list[Section]) -> bool:
    return all(section.status == COMPLETED for section in found)


def merged_draft(schema: dict, ui: dict, form: MultiDict, old_data: Mapping | None,
                 old_raw: list | None) -> tuple[dict, list | None, dict[str, list[str]]]:
    """The draft after a post from one section's page (or the whole form, or an autosave):
    the answers of every section the post has inputs for replace those sections' answers;
    the rest of the draft stays. Returns (data, typed inputs kept as typed, unread)."""
    found = sections(schema, ui)
    touched = form_render.fields_read(schema, ui, form.keys())
    replaced = {name for s in found if touched & set(s.fields) for name in s.fields}
    data, unread = form_render.parse_submission(schema, ui, form)
    data = {k: v for k, v in data.items() if k in replaced}
    kept = {k: v for k, v in (old_data or {}).items() if k not in replaced}
    typed = form_render.typed_inputs(schema, ui, form) if unread else []
    others = [[n, t] for n, t in old_raw or []
              if not form_render.fields_read(schema, ui, [n]) & replaced]
    return {**kept, **data}, (others + typed) or None, unread


def opening_values(task) -> dict:
    """What the form holds before a post: the draft, or what the task opens with."""
    if task.draft_data is not None:
        return task.draft_data
    schema = forms.task_form(task)
    return known_facts.prefill(schema, task.instance,
                               forms.keep_form_fields(schema, rounds.prefill(task)))


def _problems(task, data: dict) -> dict[str, list[str]]:
    """Everything Submit would refuse: unread typed answers and the whole form's validation
    (missing answers included, as a section's status needs them)."""
    schema, ui = forms.task_form(task), forms.task_form(task, ui=True)
    problems: dict[str, list[str]] = {}
    if task.draft_raw:
        _, problems = form_render.parse_submission(
            schema, ui, MultiDict([(name, text) for name, text in task.draft_raw]))
    applicable, problems = form_render.only_applicable(schema, data, problems, ui)
    for path, messages in forms.validate(schema, applicable, task.instance.data).items():
        problems.setdefault(path, messages)
    return problems


def task_list(task) -> list[Section] | None:
    """The sections with their status, or None for a form on one page."""
    schema, ui = forms.task_form(task), forms.task_form(task, ui=True)
    found = sections(schema, ui)
    if not found:
        return None
    data = opening_values(task)
    return with_status(found, _problems(task, data), data)
