"""Who may call what: every API route and every page, as each demo role and as a stranger.

One table. A route added without a row here fails `test_every_route_has_a_rule`, so nothing
ships without a decision about who may use it. Records a caller may not know about are 404,
not 403.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.extensions import db
from app.models import HumanTask
from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.documents.samples import pdf
from tests.pages.conftest import Browser

ROLES = ["social_worker", "social_worker_2", "team_manager", "service_manager",
         "panel_administrator", "panel_chair", "process_owner", "manager", "auditor",
         "social_worker_3", "team_manager_2", "head_of_service", "administrator"]
CALLERS = [None, *ROLES]  # None: not signed in
SAMPLES = json.loads((Path(__file__).parent / "pathways" / "marp_samples.json").read_text())
PDF = pdf()
MARP_XML = (Path(__file__).parents[1] / "processes" / "marp" / "marp.bpmn").read_text()

# Who can see the case the fixture starts (social_worker's MARP request in Locality Team A,
# its first task assigned to them), by the rule in app/services/access.py: the starter and
# holder, a colleague in the same role and team (social_worker_2, who is told it is held),
# the team's manager, the service's managers and oversight roles. social_worker_3 and
# team_manager_2 (Locality Team B) do not: the role alone, in another team, is no reason to
# see a child's record. The rule over two teams, two services and cases at open and finished
# steps is tests/test_access_rule.py.
SEES_CASE = {"social_worker", "social_worker_2", "team_manager", "service_manager",
             "head_of_service", "manager", "process_owner"}
STARTERS = {"social_worker", "social_worker_2", "social_worker_3"}
# Managers who may hand the case's tasks to someone else.
ASSIGNERS = {"team_manager": 200, "service_manager": 200, "head_of_service": 200,
             "manager": 200}


def _per(allowed: dict[str, int], otherwise: int, anonymous: int = 401) -> dict:
    return {None: anonymous, **{r: allowed.get(r, otherwise) for r in ROLES}}


def _case_rule(ok: int, **special: int) -> dict:
    """Visible to SEES_CASE (ok unless special says otherwise); 404 for everyone else."""
    return _per({r: special.get(r, ok) for r in SEES_CASE}, 404)


ALL_OK = _per({}, 200)
ABSENCE_KEEPERS = {"social_worker_2": 200, "team_manager": 200, "administrator": 200}
MEETING_CHANGERS = {r: 200 for r in ("panel_administrator", "panel_chair", "manager",
                                     "process_owner")}
PAGE = {None: 302, **{r: 200 for r in ROLES}}
CASE_READERS = {"team_manager", "service_manager", "panel_administrator", "panel_chair",
                "process_owner", "manager", "team_manager_2", "head_of_service"}
PANEL_EDITORS = ("panel_administrator", "process_owner", "manager")
CASES = {None: 302, **{r: 200 if r in CASE_READERS else 403 for r in ROLES}}
OWNER_PAGE = {None: 302, **{r: 200 if r == "process_owner" else 403 for r in ROLES}}
CASE_VIEW = {None: 302, **{r: 200 if r in SEES_CASE else 404 for r in ROLES}}
ADMIN_PAGE = {None: 302, **{r: 200 if r == "administrator" else 403 for r in ROLES}}
SUBJECT_ACCESS_PAGE = {None: 302, **{r: 200 if r in ("administrator", "auditor") else 403
                                     for r in ROLES}}
PEOPLE_READERS = {**ADMIN_PAGE, "team_manager": 200, "team_manager_2": 200}
PERSON_PAGE = {**PEOPLE_READERS, "team_manager_2": 404}  # not their team's
ABSENCE_PAGE = {None: 302, **{r: 200 if r in ABSENCE_KEEPERS else 403 for r in ROLES}}
REGISTER = {None: 302, **{r: 200 if r in ("panel_administrator", "panel_chair", "manager",
                                          "process_owner", "service_manager",
                                          "head_of_service") else 403
                          for r in ROLES}}
OWNER_PAGE = {None: 302, **{r: 200 if r == "process_owner" else 403 for r in ROLES}}

# (method, url rule) -> expected status per caller.
API = {
    ("POST", "/api/v1/auth/token"): {None: 401, **{r: 200 for r in ROLES}},
    ("GET", "/api/v1/openapi.json"): {c: 200 for c in CALLERS},
    ("GET", "/api/v1/me"): ALL_OK,
    ("GET", "/api/v1/notifications"): ALL_OK,  # each caller's own
    ("GET", "/api/v1/process-models"): ALL_OK,
    ("GET", "/api/v1/process-models/<string:key>"): ALL_OK,
    ("GET", "/api/v1/process-models/<string:key>/bpmn"): ALL_OK,
    ("POST", "/api/v1/process-models/validate"): _per({"process_owner": 200}, 403),
    ("POST", "/api/v1/process-models/<string:key>/versions"): _per({"process_owner": 201}, 403),
    ("GET", "/api/v1/process-instances"): ALL_OK,
    ("POST", "/api/v1/process-instances"): _per({r: 201 for r in STARTERS}, 403),
    ("GET", "/api/v1/process-instances/<string:instance_id>"): _case_rule(200),
    ("GET", "/api/v1/process-instances/<string:instance_id>/history"): _case_rule(200),
    ("GET", "/api/v1/process-instances/<string:instance_id>/documents"): _case_rule(200),
    # Uploading is doing the step that asks for the document (prepare_request, held by
    # social_worker): their colleague is told it is held, others who see the case may not.
    ("POST", "/api/v1/process-instances/<string:instance_id>/documents"):
        _case_rule(403, social_worker=201, social_worker_2=409),
    # No document exists for the matrix's case: 404 for everyone signed in.
    ("GET", "/api/v1/documents/<string:document_id>"): _per({}, 404),
    ("POST", "/api/v1/process-instances/<string:instance_id>/suspend"):
        _case_rule(403, manager=200, process_owner=200),
    ("POST", "/api/v1/process-instances/<string:instance_id>/resume"):
        _case_rule(403, manager=200, process_owner=200),
    ("POST", "/api/v1/process-instances/<string:instance_id>/terminate"):
        _case_rule(403, manager=200, process_owner=200),
    # Moving the case to Locality Team B: team managers and above who see it.
    ("POST", "/api/v1/process-instances/<string:instance_id>/team"):
        _case_rule(403, **ASSIGNERS),
    # Changing the child's allocated social worker (to social_worker_2, a social worker of
    # the case's team): the same people as moving it to another team.
    ("PUT", "/api/v1/process-instances/<string:instance_id>/allocated-worker"):
        _case_rule(403, **ASSIGNERS),
    # The case is running, not stopped by an error: 409 for those who may retry.
    ("POST", "/api/v1/process-instances/<string:instance_id>/retry"):
        _case_rule(403, manager=409, process_owner=409),
    # Repair (managers and process owners): the matrix's case has done no step (422 for a
    # send-back), its open step can be skipped (200), and an open step has no recorded
    # answer to correct (409).
    ("POST", "/api/v1/process-instances/<string:instance_id>/send-back"):
        _case_rule(403, manager=422, process_owner=422),
    ("POST", "/api/v1/process-instances/<string:instance_id>/skip"):
        _case_rule(403, manager=200, process_owner=200),
    ("POST", "/api/v1/process-instances/<string:instance_id>/correct"):
        _case_rule(403, manager=409, process_owner=409),
    # Moving cases between versions: process owners; MARP has one version here (422).
    ("POST", "/api/v1/process-models/<string:key>/migrations"):
        _per({"process_owner": 422}, 403),
    ("GET", "/api/v1/tasks"): ALL_OK,
    # People and teams: administrators; a team manager reads their own team and hands over
    # the work of someone in it (social_worker_2, Locality Team A). No child's record here.
    ("GET", "/api/v1/teams"): ALL_OK,
    ("POST", "/api/v1/teams"): _per({"administrator": 201}, 403),
    ("GET", "/api/v1/users"): _per({"administrator": 200, "team_manager": 200,
                                    "team_manager_2": 200}, 403),
    ("POST", "/api/v1/users"): _per({"administrator": 201}, 403),
    ("PATCH", "/api/v1/users/<string:username>"): _per({"administrator": 200}, 403),
    ("POST", "/api/v1/users/<string:username>/handover"):
        _per({"administrator": 200, "team_manager": 200}, 403),
    # Absence cover (social_worker_2's, covered by social_worker): the person, their team's
    # manager and an administrator; nobody else, not even the cover.
    ("GET", "/api/v1/users/<string:username>/absences"): _per(ABSENCE_KEEPERS, 403),
    ("POST", "/api/v1/users/<string:username>/absences"):
        _per(dict.fromkeys(ABSENCE_KEEPERS, 201), 403),
    ("DELETE", "/api/v1/absences/<string:absence_id>"):
        _per(dict.fromkeys(ABSENCE_KEEPERS, 204), 403),
    ("GET", "/api/v1/audit-events"): _per({"auditor": 200}, 403),
    # Retention: administrators (the fixture's case is open, so never deleted); subject
    # access: administrators and auditors (the fixture's child, C-9, is held: a ZIP).
    ("GET", "/api/v1/retention/due"): _per({"administrator": 200}, 403),
    ("POST", "/api/v1/retention/deletions"): _per({"administrator": 200}, 403),
    ("GET", "/api/v1/subject-access"): _per({"administrator": 200, "auditor": 200}, 403),
    # Panel calendars are not about any child; a meeting's agenda shows each caller only the
    # cases they may see.
    ("GET", "/api/v1/panels"): ALL_OK,
    ("GET", "/api/v1/panels/<string:key>/meetings"): ALL_OK,
    ("PATCH", "/api/v1/panels/<string:key>"):
        _per({"panel_administrator": 200, "process_owner": 200, "manager": 200}, 403),
    ("GET", "/api/v1/meetings/<string:meeting_id>"): ALL_OK,
    # Changing a meeting is for the panel's own roles (and managers). The case is not
    # listed, so even the chair cannot take it as urgent (422).
    ("POST", "/api/v1/meetings/<string:meeting_id>/cancel"): _per(MEETING_CHANGERS, 403),
    ("POST", "/api/v1/meetings/<string:meeting_id>/move"): _per(MEETING_CHANGERS, 403),
    ("POST", "/api/v1/meetings/<string:meeting_id>/items"): _per({"panel_chair": 422}, 403),
    ("POST", "/api/v1/meetings/<string:meeting_id>/chase"): _per(MEETING_CHANGERS, 403),
    # A team's one update for a meeting (PCT's team manager's update): the role that gives it
    # (team managers, within their own team); the matrix's MARP meeting has none for anyone.
    ("GET", "/api/v1/meetings/<string:meeting_id>/team-update"):
        _per({"team_manager": 404, "team_manager_2": 404}, 403),
    ("POST", "/api/v1/meetings/<string:meeting_id>/team-update"):
        _per({"team_manager": 404, "team_manager_2": 404}, 403),
    ("GET", "/api/v1/tasks/<string:task_id>"): _case_rule(200),
    # held by social_worker: their colleague gets 409, those without the step's role 403
    ("POST", "/api/v1/tasks/<string:task_id>/claim"):
        _case_rule(403, social_worker=200, social_worker_2=409),
    ("POST", "/api/v1/tasks/<string:task_id>/release"):
        _case_rule(403, social_worker=200, **ASSIGNERS),
    ("POST", "/api/v1/tasks/<string:task_id>/assign"): _case_rule(403, **ASSIGNERS),
    ("POST", "/api/v1/tasks/<string:task_id>/complete"):
        _case_rule(403, social_worker=200, social_worker_2=409),
    # Connections to case systems: webhooks are an administrator's configuration (no child's
    # record in them); messages come from a case system's service account (the case_system
    # role, which no demo user holds: tests/connections/test_case_messages.py).
    ("GET", "/api/v1/webhooks"): _per({"administrator": 200}, 403),
    ("POST", "/api/v1/webhooks"): _per({"administrator": 201}, 403),
    ("GET", "/api/v1/webhooks/<int:subscription_id>"): _per({"administrator": 200}, 403),
    ("PATCH", "/api/v1/webhooks/<int:subscription_id>"): _per({"administrator": 200}, 403),
    ("DELETE", "/api/v1/webhooks/<int:subscription_id>"): _per({"administrator": 204}, 403),
    ("GET", "/api/v1/webhooks/<int:subscription_id>/deliveries"):
        _per({"administrator": 200}, 403),
    ("POST", "/api/v1/messages"): _per({}, 403),
}

PAGES = {
    ("GET", "/login"): {None: 200, **{r: 302 for r in ROLES}},
    ("POST", "/login"): {None: 302, **{r: 302 for r in ROLES}},
    ("POST", "/logout"): {c: 302 for c in CALLERS},
    # Single sign-on is not configured in this run: the routes do not exist (404). With a
    # provider they are for anyone (tests/sso): the provider decides who someone is.
    ("GET", "/login/sso"): {c: 404 for c in CALLERS},
    ("GET", "/login/sso/callback"): {c: 404 for c in CALLERS},
    ("GET", "/"): PAGE,
    ("GET", "/start"): PAGE,
    ("GET", "/start/<key>"): {None: 302, **{r: 200 if r in STARTERS else 404 for r in ROLES}},
    ("POST", "/start/<key>"): {None: 302, **{r: 302 if r in STARTERS else 404 for r in ROLES}},
    ("GET", "/tasks/<task_id>"): {None: 302, **{r: 200 if r in SEES_CASE else 404
                                                for r in ROLES}},
    ("POST", "/tasks/<task_id>"): {None: 302, **{r: 302 if r in SEES_CASE else 404
                                                 for r in ROLES}},
    # A long form's sections and check-answers page (MARP's request is one): its holder
    # works them (an empty section is 422, saying what it needs; check answers before every
    # section is done sends them back); others who see the case are sent to the task's page.
    ("GET", "/tasks/<task_id>/sections/<int:number>"):
        {None: 302, **{r: (200 if r == "social_worker" else 302) if r in SEES_CASE else 404
                       for r in ROLES}},
    ("POST", "/tasks/<task_id>/sections/<int:number>"):
        {None: 302, **{r: (422 if r == "social_worker" else 302) if r in SEES_CASE else 404
                       for r in ROLES}},
    ("GET", "/tasks/<task_id>/check"):
        {None: 302, **{r: 302 if r in SEES_CASE else 404 for r in ROLES}},
    ("POST", "/tasks/<task_id>/check"):
        {None: 302, **{r: 302 if r in SEES_CASE else 404 for r in ROLES}},
    ("POST", "/tasks/<task_id>/claim"): {None: 302, **{r: 302 if r in SEES_CASE else 404
                                                       for r in ROLES}},
    # Autosave (JSON): the holder's draft is saved; others who see the task are refused.
    ("POST", "/tasks/<task_id>/draft"): {None: 401, **{
        r: (200 if r == "social_worker" else 409) if r in SEES_CASE else 404 for r in ROLES}},
    ("POST", "/session/keepalive"): {None: 401, **{r: 204 for r in ROLES}},
    ("POST", "/tasks/<task_id>/release"): {None: 302, **{r: 302 if r in SEES_CASE else 404
                                                         for r in ROLES}},
    ("POST", "/notifications/read"): {c: 302 for c in CALLERS},
    # Each person's own email settings.
    ("GET", "/settings/email"): PAGE,
    ("POST", "/settings/email"): {c: 302 for c in CALLERS},
    ("GET", "/panels"): PAGE,
    # Cases: managers, team and service managers, and the panels' own roles.
    ("GET", "/cases"): CASES,
    ("GET", "/dashboard"): CASES,
    ("GET", "/dashboard/<key>"): CASES,
    ("GET", "/dashboard/<key>/diagram.bpmn"): CASES,
    ("GET", "/dashboard/<key>/heatmap.json"): CASES,
    ("GET", "/cases.csv"): CASES,
    # A case's page and diagram: anyone who may see the case (a social worker follows what
    # they started); everyone else is told it does not exist.
    ("GET", "/cases/<instance_id>/diagram.bpmn"): CASE_VIEW,
    ("GET", "/cases/<instance_id>/diagram.json"): CASE_VIEW,
    ("GET", "/cases/<instance_id>"): CASE_VIEW,
    ("GET", "/my-work"): PAGE,
    # The audit trail's pages: auditors only.
    ("GET", "/audit"): {None: 302, **{r: 200 if r == "auditor" else 403 for r in ROLES}},
    ("GET", "/audit.csv"): {None: 302, **{r: 200 if r == "auditor" else 403 for r in ROLES}},
    # Those who may are first asked to confirm (200).
    ("POST", "/cases/<instance_id>/tasks/<task_id>/assign"):
        {None: 302, **{r: (200 if r in ASSIGNERS else 403 if r == "process_owner" else
                           403 if r not in CASE_READERS else 404) for r in ROLES}},
    # Suspend, resume, terminate: managers and process owners only; the team's own
    # managers see the case but may not stop it.
    ("POST", "/cases/<instance_id>/<action>"):
        {None: 302, **{r: (302 if r in ("manager", "process_owner") else
                           403 if r not in CASE_READERS or r in SEES_CASE else 404)
                       for r in ROLES}},
    # Repair forms: the same people as suspend; an empty form sends a repairer back to the
    # case page with a message.
    **{("POST", f"/cases/<instance_id>/{action}"):
       {None: 302, **{r: (302 if r in ("manager", "process_owner") else
                          403 if r not in CASE_READERS or r in SEES_CASE else 404)
                      for r in ROLES}} for action in ("send-back", "skip", "correct")},
    # Changing the allocated social worker: those who may are first asked to confirm (200);
    # others who see the case 403; everyone else 404.
    ("POST", "/cases/<instance_id>/allocated-worker"):
        {None: 302, **{r: (200 if r in ASSIGNERS else 403 if r in SEES_CASE else 404)
                       for r in ROLES}},
    ("GET", "/documents/<document_id>"): {None: 302, **{r: 404 for r in ROLES}},
    # Registers: the panels' own roles, managers and service managers.
    ("GET", "/registers/unmet-needs"): REGISTER,
    ("GET", "/registers/unmet-needs.csv"): REGISTER,
    ("GET", "/registers/placement-tracking"): REGISTER,
    ("GET", "/registers/placement-tracking.csv"): REGISTER,
    ("GET", "/registers/commissioning-budget"): REGISTER,
    ("GET", "/registers/commissioning-budget.csv"): REGISTER,
    ("GET", "/panels/<key>"): PAGE,
    # A panel's settings: its administrator, the process owner and managers (as the API's
    # PATCH); an empty form is refused with its errors (422).
    ("GET", "/panels/<key>/settings"): {None: 302, **{r: 200 if r in PANEL_EDITORS else 403
                                                      for r in ROLES}},
    ("POST", "/panels/<key>/settings"): {None: 302, **{r: 422 if r in PANEL_EDITORS else 403
                                                       for r in ROLES}},
    ("GET", "/meetings/<meeting_id>"): PAGE,
    # An empty form: the panel's roles get the page back with errors (422), others 403.
    ("POST", "/meetings/<meeting_id>/cancel"):
        {None: 302, **{r: 422 if r in MEETING_CHANGERS else 403 for r in ROLES}},
    ("POST", "/meetings/<meeting_id>/chase"):
        {None: 302, **{r: 302 if r in MEETING_CHANGERS else 403 for r in ROLES}},
    ("POST", "/meetings/<meeting_id>/move"):
        {None: 302, **{r: 422 if r in MEETING_CHANGERS else 403 for r in ROLES}},
    # A team's one update for a meeting: as its API (above).
    ("GET", "/meetings/<meeting_id>/team-update"):
        {None: 302, **{r: 404 if r in ("team_manager", "team_manager_2") else 403
                       for r in ROLES}},
    ("POST", "/meetings/<meeting_id>/team-update"):
        {None: 302, **{r: 404 if r in ("team_manager", "team_manager_2") else 403
                       for r in ROLES}},
    # Papers: each person sees the cases they may see. Publishing the pack is the
    # administrator's (and managers'); with no case listed they are told so (302). No pack
    # is published and the case is not listed: 404 for everyone signed in.
    ("GET", "/meetings/<meeting_id>/papers"): PAGE,
    ("POST", "/meetings/<meeting_id>/papers/publish"):
        {None: 302, **{r: 302 if r in ("panel_administrator", "manager") else 403
                       for r in ROLES}},
    ("GET", "/meetings/<meeting_id>/pack.pdf"): {None: 302, **{r: 404 for r in ROLES}},
    ("POST", "/meetings/<meeting_id>/papers/<instance_id>/read"):
        {None: 302, **{r: 404 for r in ROLES}},
    # The modeler: process owners only. An empty form is checked (200, the diagram is "not
    # well-formed") or refused for want of a change note (422), and nothing is deployed.
    ("GET", "/models/<key>/edit"): OWNER_PAGE,
    ("GET", "/models/new"): OWNER_PAGE,
    ("POST", "/models/validate"): OWNER_PAGE,
    ("POST", "/models/<key>/deploy"): {**OWNER_PAGE, "process_owner": 422},
    ("POST", "/models/deploy"): {**OWNER_PAGE, "process_owner": 422},
    # People and teams pages: administrators; a team manager reads their own team's people
    # (social_worker_2 is in Locality Team A) and hands their work over. Empty forms: 422.
    ("GET", "/admin/people"): PEOPLE_READERS,
    ("GET", "/admin/people/new"): ADMIN_PAGE,
    ("POST", "/admin/people/new"): {**ADMIN_PAGE, "administrator": 422},
    ("GET", "/admin/people/<username>"): PERSON_PAGE,
    ("GET", "/admin/people/<username>/change"): ADMIN_PAGE,
    ("POST", "/admin/people/<username>/change"): {**ADMIN_PAGE, "administrator": 422},
    ("GET", "/admin/people/<username>/deactivate"): ADMIN_PAGE,
    ("POST", "/admin/people/<username>/deactivate"): {**ADMIN_PAGE, "administrator": 302},
    ("POST", "/admin/people/<username>/reactivate"): {**ADMIN_PAGE, "administrator": 302},
    ("GET", "/admin/people/<username>/handover"): PERSON_PAGE,
    ("POST", "/admin/people/<username>/handover"):
        {**PERSON_PAGE, "administrator": 422, "team_manager": 422},
    ("GET", "/admin/teams"): ADMIN_PAGE,
    ("GET", "/admin/teams/new"): ADMIN_PAGE,
    ("POST", "/admin/teams/new"): {**ADMIN_PAGE, "administrator": 422},
    # Absences (social_worker_2's): the person, their team manager, an administrator.
    # Retention (administrators: deleting needs a selection, else 422) and subject access
    # (administrators and auditors; the export of the fixture's child is a ZIP).
    ("GET", "/admin/retention"): ADMIN_PAGE,
    ("POST", "/admin/retention/confirm"): {**ADMIN_PAGE, "administrator": 422},
    ("POST", "/admin/retention/delete"): {**ADMIN_PAGE, "administrator": 422},
    ("GET", "/admin/subject-access"): SUBJECT_ACCESS_PAGE,
    ("GET", "/admin/subject-access/export"): SUBJECT_ACCESS_PAGE,
    ("GET", "/people/<username>/absences"): ABSENCE_PAGE,
    ("POST", "/people/<username>/absences"): {**ABSENCE_PAGE, **dict.fromkeys(
        ABSENCE_KEEPERS, 422)},
    ("GET", "/absences/<int:absence_id>/cancel"): ABSENCE_PAGE,
    ("POST", "/absences/<int:absence_id>/cancel"): {**ABSENCE_PAGE, **dict.fromkeys(
        ABSENCE_KEEPERS, 302)},
    # Webhooks (connections to case systems): administrators. An empty form is 422 for them;
    # deleting (after its confirmation page) goes back to the list.
    ("GET", "/admin/webhooks"): ADMIN_PAGE,
    ("GET", "/admin/webhooks/new"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/new"): {**ADMIN_PAGE, "administrator": 422},
    ("GET", "/admin/webhooks/<int:subscription_id>"): ADMIN_PAGE,
    ("GET", "/admin/webhooks/<int:subscription_id>/change"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/<int:subscription_id>/change"):
        {**ADMIN_PAGE, "administrator": 422},
    ("GET", "/admin/webhooks/<int:subscription_id>/delete"): ADMIN_PAGE,
    ("POST", "/admin/webhooks/<int:subscription_id>/delete"):
        {**ADMIN_PAGE, "administrator": 302},
    ("GET", "/api/docs"): {c: 200 for c in CALLERS},
    ("GET", "/assets/<path:filename>"): {c: 200 for c in CALLERS},
    ("GET", "/assets/bpmn-js/<path:filename>"): {c: 200 for c in CALLERS},
    ("GET", "/static/<path:filename>"): {c: 200 for c in CALLERS},
    ("GET", "/healthz"): {c: 200 for c in CALLERS},
    ("GET", "/readyz"): {c: 200 for c in CALLERS},
    # Metrics are for a scraper, never a person's sign-in: off (404) for everyone unless
    # PANELFLOW_METRICS_TOKEN or _ALLOW is set; then the token or an allowed address
    # (tests/test_metrics.py).
    ("GET", "/metrics"): {c: 404 for c in CALLERS},
    # The process library and forms: process owners only. The diff without versions sends
    # the owner back to the model's page; empty form posts are 422 for the owner.
    ("GET", "/models"): OWNER_PAGE,
    ("GET", "/models/<key>"): OWNER_PAGE,
    ("GET", "/models/<key>/versions/<int:number>.bpmn"): OWNER_PAGE,
    ("GET", "/models/<key>/diff"): {**OWNER_PAGE, "process_owner": 302},
    # Moving cases between versions: MARP has one version here, so the dry run is refused
    # (422) and an empty move goes back to it (302).
    ("GET", "/models/<key>/migrate"): {**OWNER_PAGE, "process_owner": 422},
    ("POST", "/models/<key>/migrate"): {**OWNER_PAGE, "process_owner": 302},
    ("GET", "/forms"): OWNER_PAGE,
    ("GET", "/forms/new"): OWNER_PAGE,
    ("GET", "/forms/<path:form_path>"): OWNER_PAGE,
    ("POST", "/forms"): {**OWNER_PAGE, "process_owner": 422},
    ("POST", "/forms/preview"): {**OWNER_PAGE, "process_owner": 422},
}


def test_every_route_has_a_rule(app):
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    missing = routes - set(API) - set(PAGES)
    assert not missing, f"routes with no authorisation rule in this table: {sorted(missing)}"
    assert not (set(API) | set(PAGES)) - routes, "rules for routes that no longer exist"


# An absence far ahead, so that it covers nothing while the matrix runs.
LATER_ABSENCE = {"starts_on": "2031-01-06", "ends_on": "2031-01-10", "cover": "social_worker"}


class Case(dict):
    """The fixture's case: the MARP request is started at once; the meeting, the absence and
    the webhook subscription a route may name are made when a call first names them (most
    name none, and each costs requests before every one of hundreds of tests)."""

    def __init__(self, as_user, instance: dict):
        super().__init__(instance_id=instance["id"], task_id=instance["tasks"][0]["id"])
        self.as_user = as_user

    def __missing__(self, key: str) -> str:
        if key == "meeting_id":
            value = self.as_user("manager").get("/api/v1/panels/marp/meetings").json[0]["id"]
        elif key == "absence_id":
            value = self.as_user("social_worker_2").post(
                "/api/v1/users/social_worker_2/absences", json=LATER_ABSENCE).json["id"]
        elif key == "subscription_id":
            value = str(self.as_user("administrator").post("/api/v1/webhooks", json={
                "name": "Matrix", "url": "http://127.0.0.1:9/hook",
                "events": ["decision.recorded"]}).json["id"])
        else:
            raise KeyError(key)
        self[key] = value
        return value


@pytest.fixture
def case(app, as_user):
    """A MARP request started by social_worker; its first task is assigned to them."""
    started = as_user("social_worker").post("/api/v1/process-instances", json={
        "process_model": "marp", "subject": {"child_ref": "C-9", "name": "Matrix Child"}})
    return Case(as_user, started.json)


# The placeholders a route may hold that name one of the fixture's records.
PLACEHOLDERS = ("instance_id", "task_id", "meeting_id", "absence_id", "subscription_id")


def _fill(url: str, case: Case) -> str:
    """The route with the case's records in its placeholders (`<string:task_id>`,
    `<task_id>`, `<int:subscription_id>`), asking the case only for those it holds."""
    for name in PLACEHOLDERS:
        for form in (f"<string:{name}>", f"<int:{name}>", f"<{name}>"):
            if form in url:
                url = url.replace(form, case[name])
    return url


def _api_call(app, caller, method, rule, case):
    url = _fill(rule.replace("<string:key>", "marp")
                .replace("<string:document_id>", "nodocument")
                .replace("<string:username>", "social_worker_2"), case)
    if rule == "/api/v1/subject-access":
        url += "?child_ref=C-9"
    client = ApiClient(app, caller)
    body, raw = None, None
    if rule == "/api/v1/auth/token":
        body = {"username": caller or "social_worker",
                "password": DEMO_PASSWORD if caller else "wrong"}
    elif rule.endswith("/versions") or rule.endswith("/validate"):
        raw = MARP_XML.replace("Multi-Agency Resource Panel (MARP)", "MARP (edited)")
    elif rule == "/api/v1/process-instances" and method == "POST":
        body = {"process_model": "marp", "subject": {"child_ref": "C-10"}}
    elif rule.endswith("/complete"):
        body = {"data": SAMPLES["prepare_request"]}
    elif rule.endswith("/team"):
        body = {"team": "Locality Team B"}
    elif rule == "/api/v1/teams":
        body = {"key": "matrix-team", "name": "Matrix Team", "service": "Locality Services"}
    elif rule == "/api/v1/users" and method == "POST":
        body = {"username": "matrix_person", "display_name": "Matrix Person",
                "roles": ["social_worker"], "team": "Locality Team A"}
    elif rule.endswith("/migrations"):
        body = {"from_version": 1, "to_version": 2, "dry_run": True}
    elif rule.endswith("/send-back"):
        body = {"task_name": "prepare_request", "reason": "Matrix"}
    elif rule.endswith("/skip"):
        body = {"task_id": case["task_id"], "reason": "Matrix"}
    elif rule.endswith("/correct"):
        body = {"task_id": case["task_id"], "field": "needs_summary", "value": "x",
                "reason": "Matrix"}
    elif rule.endswith("/absences") and method == "POST":
        body = {**LATER_ABSENCE, "starts_on": "2032-01-05", "ends_on": "2032-01-09"}
    elif rule.endswith("/handover"):
        body = {"to": "social_worker"}
    elif rule == "/api/v1/users/<string:username>":
        body = {"email": "social_worker_2@panelflow.example"}  # as it is: nothing changes
    elif rule == "/api/v1/webhooks":
        body = {"name": "Matrix 2", "url": "http://127.0.0.1:9/other",
                "events": ["case.started"]}
    elif rule.startswith("/api/v1/webhooks/") and method == "PATCH":
        body = {"active": False}
    elif rule == "/api/v1/messages":
        body = {"name": "court order received",
                "correlation": {"instance_id": case["instance_id"]}}
    elif method == "PATCH":
        body = {"slot_minutes": 20}
    elif rule.endswith("/cancel"):
        body = {"reason": "Matrix: chair unavailable"}
    elif rule.endswith("/move"):
        body = {"reason": "Matrix: room booked", "starts_on": "2031-01-07"}
    elif rule.endswith("/team-update"):
        body = {"updates": [{"task_id": case["task_id"], "data": {}}]}
    elif rule.endswith("/items"):
        body = {"reason": "Matrix: urgent", "instance_id": case["instance_id"]}
    elif rule == "/api/v1/retention/deletions":
        body = {"instance_ids": [case["instance_id"]]}  # open, so not due: nothing goes
    elif rule.endswith("/assign"):
        body = {"username": "social_worker_2"}
    elif rule.endswith("/allocated-worker"):
        body = {"allocated_worker": "social_worker_2"}
    elif rule.endswith("/resume"):
        with app.app_context():  # resume needs a suspended case
            ApiClient(app, "manager").post(url.replace("/resume", "/suspend"))
    if raw is not None:
        return client.post_raw(url, raw)
    if rule.endswith("/documents") and method == "POST":
        return client.client.post(url, headers=client.headers, data={
            "field": "case_summary_document", "file": (io.BytesIO(PDF), "summary.pdf")},
            content_type="multipart/form-data")
    return client.client.open(url, method=method, json=body, headers=client.headers)


REFUSALS = {401, 403, 404, 405}


def _groups(table: dict, refusals: set[int]) -> list:
    """Callers grouped so that one case serves several of them, which keeps the matrix fast.

    A GET changes nothing, so every caller of a GET route shares one case. Callers refused a
    change share one too: a refusal that wrongly went through fails its own assertion. Each
    caller allowed to change something gets a case of their own, as their change would alter
    what the next caller meets.
    """
    params = []
    for method, rule in sorted(table):
        expected = table[(method, rule)]
        if method == "GET":
            params.append(pytest.param(method, rule, tuple(CALLERS), id=f"{method} {rule} all"))
            continue
        refused = tuple(c for c in CALLERS if expected[c] in refusals)
        if refused:
            params.append(pytest.param(method, rule, refused, id=f"{method} {rule} refused"))
        params += [pytest.param(method, rule, (c,), id=f"{method} {rule} {c or 'anonymous'}")
                   for c in CALLERS if c not in refused]
    return params


def _check(table: dict, call, app, case, method: str, rule: str, callers: tuple) -> None:
    wrong = []
    for caller in callers:
        response = call(app, caller, method, rule, case)
        expected = table[(method, rule)][caller]
        if response.status_code != expected:
            wrong.append((caller, expected, response.status_code, response.get_data()[:200]))
        elif (table is PAGES and expected == 302 and caller is None
              and rule not in ("/login", "/logout")
              and not response.headers["Location"].startswith("/login")):
            wrong.append((caller, "302 to /login", response.headers["Location"], b""))
    assert not wrong, wrong


@pytest.mark.parametrize(("method", "rule", "callers"), _groups(API, REFUSALS))
def test_api(app, case, method, rule, callers):
    _check(API, _api_call, app, case, method, rule, callers)


def _page_call(app, caller, method, rule, case):
    browser = Browser(app)
    if caller:
        browser.sign_in(caller)
    url = (_fill(rule, case).replace("<key>", "marp").replace("<action>", "suspend")
           .replace("<document_id>", "nodocument")
           .replace("<int:number>", "1").replace("<username>", "social_worker_2")
           .replace("<path:form_path>", "marp/tm-review.schema.json")
           .replace("<path:filename>", "bpmn-viewer.production.min.js" if "bpmn-js" in rule
                    else "govuk-frontend.min.css" if rule.startswith("/assets") else "app.css"))
    if rule == "/admin/subject-access/export":
        url += "?child_ref=C-9"
    if method == "GET":
        return browser.get(url)
    data = {}
    if rule == "/login":
        data = {"username": caller or "manager", "password": DEMO_PASSWORD}
    elif rule == "/start/<key>":
        data = {"child_ref": "C-11", "name": "Page Child"}
    elif rule == "/settings/email":
        data = {"frequency": "immediate"}  # as it is: nothing changes
    elif rule.endswith("/allocated-worker"):
        data = {"allocated_worker": "social_worker_2"}
    elif rule in ("/tasks/<task_id>", "/tasks/<task_id>/draft"):
        data = {"action": "draft", "needs_summary": "draft"}
    return browser.post(url, data)


# A page refuses the signed-out with a redirect to sign in; signed-in refusals are 403/404.
@pytest.mark.parametrize(("method", "rule", "callers"), _groups(PAGES, REFUSALS))
def test_pages(app, case, method, rule, callers):
    _check(PAGES, _page_call, app, case, method, rule, callers)


def test_refused_page_actions_change_nothing(app, case):
    """A 302 can hide a refusal (with a message); the draft must only come from its owner."""
    for caller in ("social_worker_2", "manager"):
        _page_call(app, caller, "POST", "/tasks/<task_id>", case)
        _page_call(app, caller, "POST", "/tasks/<task_id>/draft", case)
    with app.app_context():
        assert db.session.get(HumanTask, case["task_id"]).draft_data is None
    _page_call(app, "social_worker", "POST", "/tasks/<task_id>", case)
    with app.app_context():
        assert db.session.get(HumanTask, case["task_id"]).draft_data == {"needs_summary": "draft"}
