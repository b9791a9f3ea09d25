"""Demo users: one per role that a lane in processes/ names, plus a few extras; and a few
demo cases, so that the managers' views have something to show."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from lxml import etree

from app.engine.parsing import NSMAP, role_key
from app.extensions import db
from app.models import ProcessInstance, Role, Service, Team, User
from app.services import instances
from app.services.auth import hash_password

# Fictional people; the product models roles, never the council's real staff.
DISPLAY_NAMES = {
    "social_worker": "Sam Carter (Social Worker)",
    "social_worker_2": "Priya Lane (Social Worker)",
    "team_manager": "Alex Morgan (Team Manager)",
    "service_manager": "Jordan Reeve (Service Manager)",
    "panel_administrator": "Casey Hughes (Panel Administrator)",
    "panel_chair": "Robin Ellis (Panel Chair)",
    "process_owner": "Morgan Blake (Process Owner)",
    "manager": "Taylor Quinn (Manager)",
    "auditor": "Jesse Ward (Information Governance Auditor)",
    "team_manager_2": "Dana Okafor (Team Manager)",
    "social_worker_3": "Lee Marsh (Social Worker)",
    "head_of_service": "Kim Adeyemi (Head of Service)",
    "administrator": "Chris Noor (Administrator)",
}
# Two locality teams in one service, so that managers' views are scoped as in a council.
SERVICE = "Locality Services"
COUNCIL_WIDE = ("manager", "process_owner", "auditor", "administrator")  # no team or service
DEMO_TEAMS = ("Locality Team A", "Locality Team B")  # keys and names alike
TEAMS = {"team_manager_2": "Locality Team B", "social_worker_3": "Locality Team B",
         "head_of_service": None} | dict.fromkeys(COUNCIL_WIDE)
SYSTEM_ROLE = "system"
EXTRA_USERS = {"social_worker_2": ["social_worker"], "process_owner": ["process_owner"],
               "manager": ["manager"], "auditor": ["auditor"],
               "team_manager_2": ["team_manager"], "social_worker_3": ["social_worker"],
               "head_of_service": ["head_of_service"], "administrator": ["administrator"]}
# Managers of teams and leaders of services, by role.
MANAGES_OWN_TEAM = "team_manager"
LEADS_SERVICE = ("service_manager", "head_of_service")


def lane_roles(processes_dir: Path) -> dict[str, str]:
    """Role key → lane name for every lane of every diagram."""
    roles: dict[str, str] = {}
    for path in sorted(processes_dir.rglob("*.bpmn")):
        tree = etree.parse(str(path))
        for lane in tree.xpath("//bpmn:lane", namespaces=NSMAP):
            key = role_key(lane.get("name"))
            if key:
                roles.setdefault(key, lane.get("name"))
    return roles


def seed(processes_dir: Path, password: str) -> list[str]:
    """Create missing roles and demo users; returns the usernames created."""
    wanted = lane_roles(processes_dir)
    for key in ("process_owner", "manager", "auditor", "head_of_service", "administrator"):
        wanted.setdefault(key, key.replace("_", " ").title())
    for key, name in wanted.items():
        if db.session.get(Role, key) is None:
            db.session.add(Role(key=key, name=name))
    db.session.flush()
    service = db.session.get(Service, SERVICE) or Service(key=SERVICE, name=SERVICE)
    db.session.add(service)
    for key in DEMO_TEAMS:
        if db.session.get(Team, key) is None:
            db.session.add(Team(key=key, name=key, service_key=SERVICE))
    db.session.flush()
    # Nobody holds "system": it marks pathways that only the service itself begins.
    users = {key: [key] for key in wanted if key != SYSTEM_ROLE} | EXTRA_USERS
    created = []
    hashed = hash_password(password)
    for username, role_keys in users.items():
        if db.session.scalar(db.select(User).where(User.username == username)) is not None:
            continue
        team = TEAMS.get(username, DEMO_TEAMS[0])
        user = User(
            username=username,
            display_name=DISPLAY_NAMES.get(username, username.replace("_", " ").title()),
            password_hash=hashed, team=team, email=f"{username}@panelflow.example",
            roles=[db.session.get(Role, k) for k in role_keys])
        if MANAGES_OWN_TEAM in role_keys and team:
            user.managed_teams = [db.session.get(Team, team)]
        if set(role_keys) & set(LEADS_SERVICE):
            user.led_services = [service]
        db.session.add(user)
        created.append(username)
    return created


# (starter, pathway, child reference, name, days ago it began): Locality Team A's first case
# began long enough ago for its first step to be overdue.
DEMO_CASES = [
    ("social_worker", "marp", "C-DEMO-01", "Riley Demo", 20),
    ("social_worker", "marp", "C-DEMO-02", "Jamie Demo", 1),
    ("team_manager", "pct", "C-DEMO-03", "Avery Demo family", 0),
    ("social_worker_3", "marp", "C-DEMO-04", "Morgan Demo", 3),
]


def seed_cases() -> list[str]:
    """Begin the demo cases, once (never when any case exists); returns their ids."""
    if db.session.scalar(db.select(ProcessInstance.id).limit(1)) is not None:
        return []
    begun = []
    for username, key, child_ref, name, days_ago in DEMO_CASES:
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is None:
            continue
        case = instances.start(user, key, {"child_ref": child_ref, "name": name}, {})
        # Backdated as a whole (the case and its first step), as if begun days_ago.
        shift = timedelta(days=days_ago)
        case.started_at -= shift
        for task in case.tasks:
            task.created_at -= shift
            if task.due_at is not None:
                task.due_at -= shift
                task.due_sort = task.due_at
        begun.append(case.id)
    return begun
