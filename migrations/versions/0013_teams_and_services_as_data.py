"""Teams and services as data: a team belongs to a service, a team manager manages teams, a
head of service or service manager leads services; users.team names a team row and the
users.service string goes (a person's service is their team's)

Today's strings become rows whose key is the string itself, so every case's team and service
(process_instances.team, .service) keeps pointing at the same team and service.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

MANAGER_ROLES = ("team_manager",)
LEAD_ROLES = ("service_manager", "head_of_service")


def upgrade():
    op.create_table(
        'services',
        sa.Column('key', sa.String(120), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False))
    op.create_table(
        'teams',
        sa.Column('key', sa.String(80), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('service_key', sa.String(120), sa.ForeignKey('services.key')))
    op.create_table(
        'team_managers',
        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('team_key', sa.String(80), sa.ForeignKey('teams.key', ondelete='CASCADE'),
                  primary_key=True))
    op.create_table(
        'service_leads',
        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('service_key', sa.String(120),
                  sa.ForeignKey('services.key', ondelete='CASCADE'), primary_key=True))

    conn = op.get_bind()
    people = conn.execute(sa.text("SELECT id, team, service FROM users")).fetchall()
    cases = conn.execute(sa.text(
        "SELECT DISTINCT team, service FROM process_instances")).fetchall()
    services = {s for _, _, s in people if s} | {s for _, s in cases if s}
    for key in sorted(services):
        conn.execute(sa.text("INSERT INTO services (key, name) VALUES (:k, :k)"), {"k": key})
    team_service: dict[str, str | None] = {}
    for _, team, service in people:
        if team and not team_service.get(team):
            team_service[team] = service
    for team, service in cases:
        if team and not team_service.get(team):
            team_service[team] = service
    for key, service in sorted(team_service.items()):
        conn.execute(sa.text("INSERT INTO teams (key, name, service_key) VALUES (:k, :k, :s)"),
                     {"k": key, "s": service})
    roles = {}
    for user_id, role in conn.execute(sa.text("SELECT user_id, role_key FROM user_roles")):
        roles.setdefault(user_id, set()).add(role)
    for user_id, team, service in people:
        held = roles.get(user_id, set())
        if team and held & set(MANAGER_ROLES):
            conn.execute(sa.text("INSERT INTO team_managers (user_id, team_key) VALUES (:u, :t)"),
                         {"u": user_id, "t": team})
        if service and held & set(LEAD_ROLES):
            conn.execute(sa.text(
                "INSERT INTO service_leads (user_id, service_key) VALUES (:u, :s)"),
                {"u": user_id, "s": service})

    # Never a batch (copy-and-move) of users on SQLite: with foreign keys on, dropping the old
    # table would cascade to user_roles and lose everyone's roles. SQLite drops a column in
    # place; it cannot add a foreign key without that copy, so there the app checks the team.
    op.drop_column('users', 'service')
    if conn.dialect.name == 'postgresql':
        op.create_foreign_key('fk_users_team', 'users', 'teams', ['team'], ['key'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('fk_users_team', 'users', type_='foreignkey')
    op.add_column('users', sa.Column('service', sa.String(120)))
    op.execute("UPDATE users SET service = (SELECT teams.service_key FROM teams "
               "WHERE teams.key = users.team)")
    op.execute("UPDATE users SET service = (SELECT MIN(service_key) FROM service_leads "
               "WHERE service_leads.user_id = users.id) WHERE service IS NULL")
    op.drop_table('service_leads')
    op.drop_table('team_managers')
    op.drop_table('teams')
    op.drop_table('services')
