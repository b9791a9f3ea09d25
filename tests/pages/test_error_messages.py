"""Error messages read as GOV.UK's do (issue 16, item 7): the form's own words where it gives
them (`errorMessage`), else words made from the field's title that say what to do."""
from __future__ import annotations

from app.services.forms import validate
from app.web.form_render import parse_submission

CHILD = {
    "type": "object",
    "properties": {
        "date_of_birth": {"type": "string", "format": "date", "title": "Date of birth"},
        "legal_status": {"type": "string", "title": "Legal status",
                         "enum": ["s20", "s31"]},
        "name": {"type": "string", "title": "Child's name"},
        "in_care": {"type": "boolean", "title": "Is the child in care?"},
        "age": {"type": "integer", "title": "How old is the child?",
                "errorMessage": {"required": "Enter the child's age",
                                 "type": "The child's age must be a whole number"}},
        "school": {"type": "string", "title": "Which school?",
                   "errorMessage": "Enter the child's school"},
    },
    "required": ["date_of_birth", "legal_status", "name", "in_care", "age", "school"],
}


def test_missing_answers_say_what_to_do():
    errors = validate(CHILD, {})
    assert errors == {
        "date_of_birth": ["Enter date of birth"],
        "legal_status": ["Select legal status"],
        "name": ["Enter child's name"],
        "in_care": ["Select yes or no for ‘Is the child in care?’"],
        "age": ["Enter the child's age"],  # the form's own words
        "school": ["Enter the child's school"],  # one message for every failure
    }


def test_answers_that_cannot_be_read_say_so_in_the_forms_words():
    _, errors = parse_submission(CHILD, {}, {
        "date_of_birth-day": "31", "date_of_birth-month": "2", "date_of_birth-year": "2020",
        "age": "fourteen"})
    assert errors == {"date_of_birth": ["Date of birth must be a real date"],
                      "age": ["The child's age must be a whole number"]}


def test_marp_names_each_missing_answer_as_govuk_does(browser):
    b = browser("social_worker")
    b.get("/start/marp")
    task_url = b.post("/start/marp", {"child_ref": "C-ERR", "name": "Eli Errors"}
                      ).headers["Location"].split("?")[0]
    page = b.post(task_url + "?view=all", {"action": "complete", "child_age": "fourteen",
                                           "family_solutions_exhausted": "yes"}
                  ).get_data(as_text=True)
    summary = page[page.index("govuk-error-summary__list"):]
    summary = summary[:summary.index("</ul>")]
    for message in ("The child&#39;s age must be a whole number, like 14",
                    "Select what the panel is being asked to agree",
                    "Enter the evidence that family solutions have been exhausted",
                    "Select whether a team-around-the-family approach has been undertaken"):
        assert message in summary
    assert "Select an answer for" not in summary and ": " not in summary
