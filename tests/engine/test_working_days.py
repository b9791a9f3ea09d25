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


# MARP: fortnightly Tuesdays; the seed's "4pm on a Tuesday (7 working days prior)" cannot both
# hold, so the default is 16:00 on the Tuesday one week before (5 working days), moved
# earlier when a bank holiday falls in between.
MARP = dict(first="2026-12-08", every_days=14, cutoff_working_days=5, cutoff_time="16:00")


def test_marp_cut_off_is_4pm_on_the_tuesday_one_week_before():
    assert wd.cutoff_day(date(2026, 12, 8), 5) == date(2026, 12, 1)
    assert wd.next_meeting(after="2026-12-01T16:00:00+00:00", **MARP) == "2026-12-08"
    assert wd.next_meeting(after="2026-12-01T16:01:00+00:00", **MARP) == "2026-12-22"


def test_the_cut_off_moves_earlier_across_christmas():
    # For Tue 5 Jan 2027 one week before is Tue 29 Dec, but 1 Jan is a bank holiday in
    # between, so the cut-off moves to the working day before: Thu 24 Dec (25, 28 are holidays).
    assert wd.cutoff_day(date(2027, 1, 5), 5) == date(2026, 12, 24)
    assert wd.next_meeting(after="2026-12-24T15:59:00+00:00", **MARP) == "2027-01-05"
    assert wd.next_meeting(after="2026-12-24T16:01:00+00:00", **MARP) == "2027-01-19"


def test_cut_off_is_in_london_time_in_summer():
    rule = {**MARP, "first": "2027-06-15"}
    # Tue 8 Jun 2027 16:00 BST is 15:00 UTC.
    assert wd.next_meeting(after="2027-06-08T14:59:00+00:00", **rule) == "2027-06-15"
    assert wd.next_meeting(after="2027-06-08T15:01:00+00:00", **rule) == "2027-06-29"


def test_a_named_weekday_pulls_the_cut_off_back_to_it():
    # 7 working days before Tue 8 Dec is Fri 27 Nov; the Tuesday on or before is 24 Nov.
    assert wd.cutoff_day(date(2026, 12, 8), 7, "Tuesday") == date(2026, 11, 24)


def test_without_a_weekday_the_cut_off_is_the_working_day_itself():
    rule = dict(first="2026-12-08", every_days=14, cutoff_working_days=7, cutoff_time="16:00")
    assert wd.next_meeting(after="2026-11-27T15:00:00+00:00", **rule) == "2026-12-08"
    assert wd.next_meeting(after="2026-11-27T17:00:00+00:00", **rule) == "2026-12-22"


def test_next_meeting_defaults_to_the_engines_now():
    with engine_time(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)):
        assert wd.next_meeting(**MARP) == "2026-12-08"
        assert wd.today() == "2026-12-01"


def test_a_cycle_of_zero_days_is_refused():
    with pytest.raises(ValueError, match="every_days"):
        wd.next_meeting("2026-12-08", 0)


def test_is_working_day():
    assert wd.is_working_day(date(2026, 11, 23))
    assert not wd.is_working_day(date(2026, 11, 22))


def test_a_meeting_on_a_bank_holiday_moves_to_the_next_working_day_or_is_cancelled():
    # Fridays every 28 days from 4 Dec 2026: 1 Jan 2027 is New Year's Day.
    assert wd.next_meeting("2026-12-04", 28, after="2026-12-05") == "2027-01-04"
    assert wd.next_meeting("2026-12-04", 28, after="2026-12-05",
                           on_holiday="cancel") == "2027-01-29"
    # Easter 2027: a Thursday cycle is untouched, a Friday one moves past Easter Monday.
    assert wd.next_meeting("2027-03-26", 7, after="2027-03-20") == "2027-03-30"


def test_a_one_off_bank_holiday_is_a_holiday():
    # The coronation of King Charles III, Monday 8 May 2023, was a one-off bank holiday.
    assert not wd.is_working_day(date(2023, 5, 8))
    assert wd.next_meeting("2023-05-08", 7, after="2023-05-01") == "2023-05-09"
