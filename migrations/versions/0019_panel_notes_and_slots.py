"""Panels keep their modelling notes (sources, assumptions) apart from the rule users read; a
case listed for a meeting can name the variable holding the slot time it was given

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# key: (the rule as seeded, the rule users read, the note for administrators)
SPLIT = {
    "marp": (
        "Approved for submission by 4pm on the Tuesday one week before the meeting, earlier "
        "when a bank holiday falls in between (local rule). The terms of reference say 'by 4pm "
        "on a Tuesday (7 working days prior to meeting)', which cannot both hold. Meeting hours "
        "are not in the terms of reference.",
        "Approved for submission by 4pm on the Tuesday one week before the meeting, earlier "
        "when a bank holiday falls in between.",
        "Local rule. The terms of reference say 'by 4pm on a Tuesday (7 working days prior to "
        "meeting)', which cannot both hold. Meeting hours are not in the terms of reference."),
    "pct": (
        "Slots allocated up to 2 working days before the meeting; the team manager's update is "
        "due the working day before (local defaults). Meetings alternate between "
        "pre-proceedings and court tracking.",
        "Slots are allocated up to 2 working days before the meeting; the team manager's update "
        "is due the working day before. Meetings alternate between pre-proceedings and court "
        "tracking.",
        "Local defaults."),
    "ppm": (
        "Invitation within two weeks of the second looked-after review; the Permanence Tracker "
        "pro-forma is due 2 working days before the meeting (local). 'Thursday afternoons': the "
        "hours are an assumption.",
        "Invitation within two weeks of the second looked-after review; the Permanence Tracker "
        "pro-forma is due 2 working days before the meeting.",
        "Local. 'Thursday afternoons': the hours are an assumption."),
    "placement_forum_1": (
        "Paperwork by 12 noon the working day before (local default: the terms of reference "
        "give individual attendance slots but no cut-off).",
        "Paperwork by 12 noon the working day before.",
        "Local default: the terms of reference give individual attendance slots but no "
        "cut-off."),
    "placement_forum_2": (
        "Paperwork by 12 noon the working day before (local default).",
        "Paperwork by 12 noon the working day before.", "Local default."),
    "placement_forum_3": (
        "Social workers send updates to business support the week before the meeting, so the "
        "tracker log can be updated (terms of reference).",
        "Social workers send updates to business support the week before the meeting, so the "
        "tracker log can be updated.", "Terms of reference."),
    "ctmp": (
        "Forms by Thursday 12 noon before the Friday panel (CTMP procedure). 'Friday morning': "
        "the hours are an assumption.",
        "Forms by Thursday 12 noon before the Friday panel.",
        "CTMP procedure. 'Friday morning': the hours are an assumption."),
}


def upgrade():
    op.add_column('panels', sa.Column('notes', sa.Text()))
    op.add_column('meeting_items', sa.Column('slot_field', sa.String(120)))
    for key, (seeded, rule, note) in SPLIT.items():
        # Only a rule nobody has edited since it was seeded.
        op.execute(sa.text("UPDATE panels SET cutoff_rule = :rule, notes = :note "
                           "WHERE key = :key AND cutoff_rule = :seeded").bindparams(
            rule=rule, note=note, key=key, seeded=seeded))


def downgrade():
    for key, (seeded, rule, _note) in SPLIT.items():
        op.execute(sa.text("UPDATE panels SET cutoff_rule = :seeded "
                           "WHERE key = :key AND cutoff_rule = :rule").bindparams(
            rule=rule, key=key, seeded=seeded))
    op.drop_column('meeting_items', 'slot_field')
    op.drop_column('panels', 'notes')
