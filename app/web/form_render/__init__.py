"""A task's form (JSON Schema + UI schema) as GOV.UK Frontend fields, and the POST back as JSON.

Rendered on the server so the pages work without JavaScript, and driven by the same schema the
service validates with, so a pathway author only edits the form files. Simple if/then rules
nest a question under the answer that makes it apply, and a rule of several answers (anyOf)
wraps it for reveal.mjs (app/services/form_conditions.py); any other rule is left to the
server's validation, which says what is missing.

Naming: an input's name is the field's dotted path ("actions.0.owner"); a date's three inputs
add "-day", "-month" and "-year"; checkboxes add "[]", so that a page which echoes
`{**data, **request.form.to_dict()}` after a failed POST keeps the parsed list rather than the
first ticked box.

The package splits by concern: schema.py reads the schemas into fields, html.py and
widgets.py draw them (conditional.py: what marks a conditional question), values.py reads a
POST back, summary.py shows answers read-only. Import from here: these names are its
interface.
"""
from app.web.form_render.schema import CHECKBOX_SUFFIX, DATE_PARTS, field_id
from app.web.form_render.summary import describe_value, summarise
from app.web.form_render.values import (
    as_typed,
    fields_read,
    only_applicable,
    parse_submission,
    row_action,
    typed_inputs,
)
from app.web.form_render.widgets import render_form

__all__ = ["CHECKBOX_SUFFIX", "DATE_PARTS", "as_typed", "describe_value", "field_id",
           "fields_read", "only_applicable", "parse_submission", "render_form", "row_action",
           "summarise", "typed_inputs"]
