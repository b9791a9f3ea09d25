"""Dates are typed in UK order everywhere (issue 16, item 7): the cases list's filter dates
are GOV.UK date inputs (day, month, year), as the task forms' are."""
from __future__ import annotations

from datetime import date, datetime

from app.engine.working_days import LONDON
from tests.pages.test_case_pages import marp_case  # noqa: F401  (a fixture)


def _started(prefix: str, day: date) -> dict:
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month),
            f"{prefix}-year": str(day.year)}


def test_the_cases_filter_takes_dates_as_day_month_year(browser, marp_case):  # noqa: F811
    manager = browser("manager")
    page = manager.get("/cases").get_data(as_text=True)
    for name in ("started_from", "started_to"):
        for part in ("day", "month", "year"):
            assert f'name="{name}-{part}"' in page
        assert f'name="{name}"' not in page  # no box for 2026-11-01 any more
    assert "For example, 1 11 2026" in page

    # The day the case began in London, not the day this module was read: a run that crosses
    # midnight began the case on the next day (a stressed run found that).
    TODAY = datetime.fromisoformat(marp_case["started_at"]).astimezone(LONDON).date()  # noqa: N806
    within = manager.get("/cases", query_string={**_started("started_from", TODAY),
                                                  **_started("started_to", TODAY)})
    page = within.get_data(as_text=True)
    assert "Sage Example" in page
    assert f'name="started_from-day" type="text" inputmode="numeric" value="{TODAY.day}"' in page
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)
    later = manager.get("/cases", query_string=_started("started_from", tomorrow))
    assert "Sage Example" not in later.get_data(as_text=True)
    # An address from before keeps working.
    old = manager.get(f"/cases?started_from={tomorrow.isoformat()}").get_data(as_text=True)
    assert "Sage Example" not in old


def test_an_impossible_filter_date_is_named_not_ignored(browser, marp_case):  # noqa: F811
    page = browser("manager").get("/cases?started_from-day=31&started_from-month=2"
                                  "&started_from-year=2026").get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert "Started from must be a real date" in page
    assert 'value="31"' in page
