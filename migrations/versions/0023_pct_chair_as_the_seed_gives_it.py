"""PCT's chair as its terms of reference give it: they name a person, with no role and no
vice chair, so the seeded "Chair (Head of Service)" stated a role the council never gave.
Roles, never people: the chair is kept as the forum's own chair and the note says why.

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

SEEDED = "Chair (Head of Service)"
CHAIR = "PCT Chair (the terms of reference name the chair, not a role)"
NOTE = (" The terms of reference name PCT's chair as a person, give no role and no vice "
        "chair: set the chair's role here when the council confirms it.")


def upgrade():
    # Only a chair nobody has edited since it was seeded.
    op.execute(sa.text("UPDATE panels SET chair = :chair, notes = COALESCE(notes, '') || :note "
                       "WHERE key = 'pct' AND chair = :seeded").bindparams(
        chair=CHAIR, note=NOTE, seeded=SEEDED))


def downgrade():
    op.execute(sa.text("UPDATE panels SET chair = :seeded, notes = REPLACE(notes, :note, '') "
                       "WHERE key = 'pct' AND chair = :chair").bindparams(
        chair=CHAIR, note=NOTE, seeded=SEEDED))
