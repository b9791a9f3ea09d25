"""Cases that live for a year or more, simulated week by week with the clock under the test's
control (issue 17 part 2): each forum's cycle keeps its rhythm however the people in it spread
their work over the week."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.pathways import test_placement_forum_3 as pf3
from tests.pathways import test_ppm as ppm
from tests.pathways import test_private_fostering as private_fostering
from tests.pathways.agenda import listings
from tests.pathways.walker import Walk

# When, after the meeting (days, hours), the chair records it and the Executive Director
# decides: Friday afternoon, then through the next week, in turn.
RECORD_AFTER = [(0, 3), (3, -2), (4, 1), (5, 4), (6, -1), (1, 0)]
DECIDE_AFTER = [(0, 4), (4, 0), (6, -2), (5, 5), (6, 2), (3, 3)]
WEEKS = 52


def _moment(meeting: str, after: tuple[int, int], before: str) -> str:
    """`after` (days, hours) from the meeting's noon, but before the next meeting's noon."""
    days, hours = after
    noon = datetime.fromisoformat(f"{meeting}T12:00:00+00:00")
    when = noon + timedelta(days=days, hours=4 + hours)
    latest = datetime.fromisoformat(f"{before}T11:00:00+00:00")
    return min(when, latest).isoformat()


class Year:
    """A case driven with as few requests as a year allows: each step's task is found in the
    answer to the step before, and the clients' tokens outlive the year (the clock jumps
    weeks at a time), so nothing signs in again."""

    def __init__(self, case: Walk, instance: dict):
        self.case, self.instance = case, instance

    def ready(self) -> list[str]:
        return sorted(t["name"] for t in self.instance["tasks"] if t["status"] == "ready")

    def do(self, name: str, sample: str | None = None, **overrides) -> dict:
        [task] = [t for t in self.instance["tasks"] if t["name"] == name
                  and t["status"] == "ready"]
        response = self.case.clients[self.case.roles[name]].post(
            f"/api/v1/tasks/{task['id']}/complete",
            json={"data": {**self.case.answers[sample or name], **overrides}})
        assert response.status_code == 200, response.json
        self.instance = response.json["instance"]
        return self.instance

    def at(self, moment: str, fire: bool = False) -> None:
        self.case.traveller.move_to(datetime.fromisoformat(moment))
        if fire:
            result = self.case.app.test_cli_runner().invoke(args=["run-due"])
            assert result.exit_code == 0, result.output
            self.instance = self.case.instance()


@pytest.fixture
def long_tokens(app):
    app.config["TOKEN_TTL_HOURS"] = 24 * 800  # the clock jumps two years; sign in once
    yield
    app.config["TOKEN_TTL_HOURS"] = 12


@pytest.fixture
def tracked(app, as_user, traveller, long_tokens) -> Walk:
    case = Walk(app, as_user, "placement_forum_3", pf3.ROLES, pf3.ANSWERS, "team_manager",
                traveller, subject={"child_ref": "C-5352", "name": "Robin Example"})
    case.clients["panel_chair"] = as_user("panel_chair")
    return case


def test_a_year_of_weekly_tracking_never_skips_a_week(tracked):
    """Seed, Placement Forum Part 3, When you need to attend: "a weekly update for each child
    ... for as long as the place to live remains unregulated or unregistered". 52 weeks of an
    unregistered place, the chair's record and the Executive Director's decision made on
    different days of the week, then the place is regularised."""
    case = tracked
    case.do("record_placement")
    year = Year(case, case.do("notify_ofsted"))
    meeting = first = year.instance["data"]["tracking_meeting_date"]
    for week in range(1, WEEKS + 1):
        year.do("sw_update")
        year.do("update_tracker")
        year.at(f"{meeting}T12:01:00+00:00", fire=True)
        following = year.instance["listing"]["starts_at"][:10]  # listed as the meeting met
        assert following > meeting, week
        assert year.ready() == ["record_tracking", "sw_update"], week
        last = week == WEEKS
        turn = week % len(RECORD_AFTER)
        recorded = _moment(meeting, RECORD_AFTER[turn], following)
        decided = max(recorded, _moment(meeting, DECIDE_AFTER[turn], following))
        year.at(recorded)
        year.do("record_tracking", "record_tracking__ended" if last else "record_tracking")
        year.at(decided)
        year.do("exec_decision")
        if last:
            break
        assert year.ready() == ["sw_update"], week
        meeting = following
    assert year.instance["status"] == "completed" and year.ready() == []
    case.clients["panel_chair"] = case.as_user("panel_chair")
    agendas = listings(case, "placement_forum_3", first, meeting)
    assert len(agendas) == WEEKS and all(agendas.values()), \
        [day for day, item in agendas.items() if item is None]  # on every meeting's agenda
    assert [item["decision"]["outcome"] for item in agendas.values()] == \
        ["continue"] * (WEEKS - 1) + ["registered_in_authority"]
    fridays = [day for day in agendas if datetime.fromisoformat(day).weekday() == 4]
    assert len(fridays) >= WEEKS - 4  # weekly on Fridays, but for bank holidays' moved meetings


def _day(moment: str) -> date:
    return date.fromisoformat(moment[:10])


def test_a_year_of_permanence_returns_each_heard_when_the_forum_said(app, as_user, traveller,
                                                                      long_tokens):
    """Seed, PPM: the child returns to the forum on the tracking date it sets until
    permanence is achieved. Five returns over a year, the chair's record and the notes done
    on different days after each meeting: each return is heard at the first meeting on or
    after the date the forum set, none later."""
    case = Walk(app, as_user, "ppm", ppm.ROLES, ppm.ANSWERS, "panel_administrator", traveller,
                subject={"child_ref": "C-4352", "name": "Jo Example"})
    case.do("record_review")
    year = Year(case, case.do("invite"))
    meeting = year.instance["data"]["tracking_meeting_date"]
    heard = [meeting]
    for round_number in range(1, 7):
        year.do("complete_tracker")
        year.at(f"{meeting}T13:01:00+00:00", fire=True)
        assert year.ready() == ["record_outcome"], round_number
        year.at(_moment(meeting, RECORD_AFTER[round_number % len(RECORD_AFTER)], "2099-01-01"))
        if round_number == 6:
            year.do("record_outcome", "record_outcome__achieved")
            year.do("raise_practice")  # the chair flagged practice: raised by the next day (L45)
            year.do("distribute_notes")
            break
        wanted = (_day(meeting) + timedelta(weeks=9 + round_number)).isoformat()
        year.do("record_outcome", "record_outcome__endorsed", next_tracking_date=wanted)
        year.at(_moment(meeting, DECIDE_AFTER[round_number % len(DECIDE_AFTER)], "2099-01-01"))
        year.do("distribute_notes")
        meeting = year.instance["data"]["tracking_meeting_date"]
        # the first fortnightly Thursday meeting on or after the date the forum set
        assert 0 <= (_day(meeting) - _day(wanted)).days < 14, (round_number, wanted, meeting)
        heard.append(meeting)
        year.at(f"{year.instance['data']['invite_opens_on']}T09:01:00+00:00", fire=True)
        assert year.ready() == ["invite"], round_number
        year.do("invite", tracking_meeting_date=meeting,
                invitation_sent_on=year.instance["data"]["invite_opens_on"])
    assert year.instance["status"] == "completed"
    assert heard[-1] >= "2027-11-01" and len(heard) == 6
    agendas = listings(case, "ppm", heard[0], heard[-1])
    assert [day for day, item in agendas.items() if item] == heard


def test_two_years_of_private_fostering_visits_never_miss_one(app, as_user, traveller,
                                                              long_tokens):
    """Private Fostering Regulations 2005, reg 8 (the CTMP procedure's statutory visits):
    visits at most 6 weeks apart in the first year and 12 weeks after, the child seen alone.
    Two years of visits, each made on a different day of its window: every visit is asked for
    before it falls due, and none is ever more than the interval after the last."""
    case = Walk(app, as_user, "private_fostering", private_fostering.ROLES,
                private_fostering.ANSWERS, "social_worker", traveller,
                subject={"child_ref": "C-6352", "name": "Kit Example"})
    case.do("record_notification")
    case.do("first_visit")
    case.at("2026-12-01T10:00:00+00:00")
    case.do("complete_pfaar")
    case.at("2026-12-04T08:31:00+00:00")
    case.do("record_decision")
    year = Year(case, case.do("send_letter"))
    last_visit = "2026-11-25"  # the first visit
    visits = []
    while last_visit < "2028-11-20":
        data = year.instance["data"]
        due, opens = data["next_visit_due"], data["visit_opens_on"]
        interval = (_day(due) - _day(last_visit)).days
        first_year = (_day(last_visit) - _day(data["notification_date"])).days < 365
        assert interval == (42 if first_year else 84), (last_visit, due)
        year.at(f"{opens}T07:59:00+00:00", fire=True)
        assert year.ready() == [], opens  # not before its window
        year.at(f"{opens}T08:01:00+00:00", fire=True)
        assert year.ready() == ["statutory_visit"], opens
        # visit on a different day of the window each time, never after it is due
        window = (_day(due) - _day(opens)).days
        visit_on = _day(opens) + timedelta(days=len(visits) % (window + 1))
        year.at(f"{visit_on.isoformat()}T10:00:00+00:00")
        ends = visit_on.isoformat() >= "2028-11-20"
        year.do("statutory_visit", "statutory_visit__ended" if ends else "statutory_visit",
                visit_date=visit_on.isoformat())
        visits.append(visit_on.isoformat())
        last_visit = visit_on.isoformat()
    assert year.instance["status"] == "completed"
    assert year.instance["data"]["visits_done"] == len(visits) >= 12
