"""CTMP 1a's own cut-off, in the request type's entry of `request_cadences` (data only)

No schema change: the per-request-type store made in 0025 holds it. Only a 1a entry that has
no cut-off yet is given one, so an administrator's own setting is kept.

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# CTMP procedure 1a: the CDMF is submitted "by: THURSDAY MORNING (before the Friday panel)",
# while every other CTMP paper is due "THURSDAY (before the Friday panel) - 12.00". Which hour
# "morning" means is not said: 09:00, the start of the working day, is assumed, and editable.
CUTOFF = {"cutoff_time": "09:00", "cutoff_rule": "Thursday morning before the Friday panel"}
KIND = "placement_request"


def _panels():
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    return sa.table('panels', sa.column('key', sa.String),
                    sa.column('request_cadences', json_type))


def upgrade():
    panels = _panels()
    bind = op.get_bind()
    stored = bind.execute(sa.select(panels.c.request_cadences)
                          .where(panels.c.key == 'ctmp')).scalar()
    if stored is None and not bind.execute(sa.select(panels.c.key)
                                           .where(panels.c.key == 'ctmp')).first():
        return  # no CTMP panel in this database
    cadences = dict(stored or {})
    entry = dict(cadences.get(KIND) or {})
    if entry.get("cutoff_time"):
        return
    cadences[KIND] = entry | CUTOFF
    bind.execute(panels.update().where(panels.c.key == 'ctmp')
                 .values(request_cadences=cadences))


def downgrade():
    panels = _panels()
    bind = op.get_bind()
    stored = bind.execute(sa.select(panels.c.request_cadences)
                          .where(panels.c.key == 'ctmp')).scalar()
    if not stored or KIND not in stored:
        return
    entry = {k: v for k, v in stored[KIND].items() if k not in CUTOFF}
    cadences = {**stored, KIND: entry} if entry else {
        k: v for k, v in stored.items() if k != KIND}
    bind.execute(panels.update().where(panels.c.key == 'ctmp')
                 .values(request_cadences=cadences or None))
