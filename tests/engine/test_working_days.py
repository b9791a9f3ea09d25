"""The calendar helpers diagrams use: working days and meeting cut-offs in England."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.engine import working_days as wd
from app.engine.clock import engine_time


@pytest.fixture(autouse=True)
def no_closures():
    wd.configure([])
    yield
    wd.configure([])


def test_christmas_and_boxing_day_and_weekends_are_skipped():
    # Thu 24 Dec 2026 + 1 working day: Fri 25 (Christmas) and Mon 28 (Boxing Day substitute)
    # are bank holidays, so the next working day is Tue 29 Dec.
    assert wd.add_working_days("2026-12-24", 1) == "2026-12-29"


def test_good_friday_and_easter_monday_are_skipped():
    assert wd.add_working_days("2027-03-25", 1) == "2027-03-30"  # Good Friday 26, Easter Mon 29


def test_council_closure_days_are_skipped():
    wd.configure(["2026-12-29", "2026-12-30", "2026-12-31"])
    assert wd.add_working_days("2026-12-24", 1) == "2027-01-04"  # 1 Jan is a bank holiday


def test_working_days_before_counts_backwards():
    assert wd.working_days_before("2026-12-08", 7) == "2026-11-27"  # Tue 8 Dec → Fri 27 Nov


MARP = dict(first="2026-12-08", every_days=14, cutoff_working_days=7, cutoff_time="16:00",
            cutoff_weekday="Tuesday")


def test_marp_cut_off_is_4pm_on_the_tuesday_7_working_days_before():
    # 7 working days before Tue 8 Dec is Fri 27 Nov; the Tuesday on or before is 24 Nov.
    assert wd.cutoff_day(date(2026, 12, 8), 7, "Tuesday") == date(2026, 11, 24)
    assert wd.next_meeting(after="2026-11-24T16:00:00+00:00", **MARP) == "2026-12-08"
    assert wd.next_meeting(after="2026-11-24T16:01:00+00:00", **MARP) == "2026-12-22"


def test_the_cut_off_crosses_christmas_in_working_days():
    # For 5 Jan 2027, 7 working days back skips 1 Jan, 28 and 25 Dec: Tue 22 Dec.
    assert wd.cutoff_day(date(2027, 1, 5), 7, "Tuesday") == date(2026, 12, 22)
    assert wd.next_meeting(after="2026-12-22T15:59:00+00:00", **MARP) == "2027-01-05"
    assert wd.next_meeting(after="2026-12-22T16:01:00+00:00", **MARP) == "2027-01-19"


def test_cut_off_is_in_london_time_in_summer():
    rule = {**MARP, "first": "2027-06-15"}
    # 7 working days before Tue 15 Jun 2027 is Fri 4 Jun; the Tuesday before is 1 Jun, and
    # 16:00 BST is 15:00 UTC.
    assert wd.next_meeting(after="2027-06-01T14:59:00+00:00", **rule) == "2027-06-15"
    assert wd.next_meeting(after="2027-06-01T15:01:00+00:00", **rule) == "2027-06-29"


def test_without_a_weekday_the_cut_off_is_the_working_day_itself():
    rule = dict(first="2026-12-08", every_days=14, cutoff_working_days=7, cutoff_time="16:00")
    assert wd.next_meeting(after="2026-11-27T15:00:00+00:00", **rule) == "2026-12-08"
    assert wd.next_meeting(after="2026-11-27T17:00:00+00:00", **rule) == "2026-12-22"


def test_next_meeting_defaults_to_the_engines_now():
    with engine_time(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)):
        assert wd.next_meeting(**MARP) == "2026-12-22"
        assert wd.today() == "2026-12-01"


def test_a_cycle_of_zero_days_is_refused():
    with pytest.raises(ValueError, match="every_days"):
        wd.next_meeting("2026-12-08", 0)


def test_is_working_day():
    assert wd.is_working_day(date(2026, 11, 23))
    assert not wd.is_working_day(date(2026, 11, 22))


def test_a_meeting_on_a_bank_holiday_is_skipped():
    # Fridays every 28 days from 4 Dec 2026: 1 Jan 2027 is New Year's Day.
    assert wd.next_meeting("2026-12-04", 28, after="2026-12-05") == "2027-01-29"
