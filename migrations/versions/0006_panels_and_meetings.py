"""Panels (forum configuration, seeded from the terms of reference), meetings and listed items

Revision ID: 0006
Revises: 0005
"""
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

MINUTES_RULE = "Minutes within 3 days of the forum (governance rule for all forums)."
# Hours a seed does not give are assumptions, marked so; an administrator can change them.
PANELS = [
    dict(key="marp", name="Multi-Agency Resource Panel (MARP)", process_key="marp",
         cadence="fortnightly", weekday=1, starts_at="10:00", ends_at="12:00",
         first_meeting=date(2026, 12, 8), cutoff_working_days=5, cutoff_time="16:00",
         cutoff_rule=("Approved for submission by 4pm on the Tuesday one week before the meeting, "
                      "earlier when a bank holiday falls in between (local rule). The terms of "
                      "reference say 'by 4pm on a Tuesday (7 working days prior to meeting)', "
                      "which cannot both hold. Meeting hours are not in the terms of reference."),
         slot_minutes=15, chair="Service Director", vice_chair="Head of Service",
         administrator="Business Support Officer",
         members=["Service Manager, Children with Disabilities 0-25",
                  "Service Manager, Preventative Services", "Service Manager, ART",
                  "Service Manager, Localities", "Service Manager, Corporate Parenting",
                  "Commissioning Manager", "Quality Assurance and Reviewing Manager",
                  "CAMHS Commissioner", "Housing Service Manager", "Head of Virtual School"]),
    dict(key="pct", name="Pre-Proceedings and Court Tracking (PCT)", process_key="pct",
         cadence="fortnightly", weekday=4, starts_at="09:00", ends_at="11:00",
         first_meeting=date(2026, 12, 4), cutoff_working_days=2, cutoff_time="17:00",
         cutoff_rule=("Slots allocated up to 2 working days before the meeting; the team "
                      "manager's update is due the working day before (local defaults). Meetings "
                      "alternate between pre-proceedings and court tracking."),
         slot_minutes=15, chair="Chair (Head of Service)", vice_chair=None,
         administrator="Business support",
         members=["Legal: head lawyer for children's services (or delegate)",
                  "Fostering and Adoption Service Manager / Corporate Parenting (on rotation)",
                  "Localities Team Manager", "Quality Assurance and Reviewing Manager"],
         focus_cycle=["pre_proceedings", "court_tracking"]),
    dict(key="ppm", name="Permanency Planning and Monitoring (PPM) Tracking", process_key="ppm",
         cadence="fortnightly", weekday=3, starts_at="14:00", ends_at="16:00",
         first_meeting=date(2026, 12, 3), cutoff_working_days=3, cutoff_time="17:00",
         cutoff_rule=("Invitation within two weeks of the second looked-after review; the "
                      "Permanence Tracker pro-forma is due 2 working days before the meeting "
                      "(local). 'Thursday afternoons': the hours are an assumption."),
         slot_minutes=20,
         chair="Head of Service, Localities, Corporate Parenting and Fostering",
         vice_chair="Service Manager, Children in Care and Care Leavers",
         administrator="Business support",
         members=["Quality Assurance and Reviewing Manager",
                  "Fostering and Adoption Service Manager", "Fostering Team Manager (rota)",
                  "Service Manager, Children in Care and Care Leavers"]),
    dict(key="placement_forum_1", name="Placement Forum Part 1: Placements and Leaving Care",
         process_key=None, cadence="weekly", weekday=4, starts_at="09:00", ends_at="10:00",
         first_meeting=date(2026, 11, 27), cutoff_working_days=1, cutoff_time="12:00",
         cutoff_rule=("Paperwork by 12 noon the working day before (local default: the terms of "
                      "reference give individual attendance slots but no cut-off)."),
         slot_minutes=10,
         chair="Head of Service, Localities, Corporate Parenting and Fostering",
         vice_chair="Head of Service, Prevention, ART and 0-25 Disability (Co-Chair)",
         administrator="Business support",
         members=["Children's Commissioning Manager", "Placements Officer, Commissioning",
                  "Placements Officer, Fostering", "Children's Home Manager",
                  "Service Manager, Fostering", "Head of Virtual School",
                  "Quality Assurance and Reviewing Manager",
                  "Service Manager, Children in Care and Care Leavers",
                  "HomeChoice Service Manager"]),
    dict(key="placement_forum_2", name="Placement Forum Part 2: Best Care and Value",
         process_key=None, cadence="weekly", weekday=2, starts_at="09:00", ends_at="10:00",
         first_meeting=date(2026, 11, 25), cutoff_working_days=1, cutoff_time="12:00",
         cutoff_rule="Paperwork by 12 noon the working day before (local default).",
         slot_minutes=15,
         chair="Head of Service, Localities, Corporate Parenting and Fostering",
         vice_chair="Head of Service, Prevention, ART and 0-25 Disability (Co-Chair)",
         administrator="Business support",
         members=["Children's Commissioning Manager", "Quality Assurance Manager",
                  "Finance Representative", "Head of Virtual School or representative",
                  "HomeChoice Service Manager"]),
    dict(key="placement_forum_3",
         name="Placement Forum Part 3: Unregulated, Unregistered and Out-of-Authority Tracking",
         process_key=None, cadence="weekly", weekday=4, starts_at="12:30", ends_at="13:30",
         first_meeting=date(2026, 11, 27), cutoff_working_days=5, cutoff_time="17:00",
         cutoff_rule=("Social workers send updates to business support the week before the "
                      "meeting, so the tracker log can be updated (terms of reference)."),
         slot_minutes=5,
         chair="Head of Service, Localities, Corporate Parenting and Fostering",
         vice_chair="Head of Service, Prevention, ART and 0-25 Disability (Co-Chair)",
         administrator="Business support",
         members=["Service Managers or Team Managers: 0-25 (CWD cases), Preventative Services, "
                  "ART, Localities", "Service Manager, Children in Care and Care Leavers",
                  "Service Manager, Fostering", "Children's Commissioning Manager",
                  "Quality Assurance and Reviewing Manager"]),
    dict(key="ctmp", name="Case Tracking Management Panel (CTMP)", process_key=None,
         cadence="weekly", weekday=4, starts_at="09:30", ends_at="12:00",
         first_meeting=date(2026, 11, 27), cutoff_working_days=1, cutoff_time="12:00",
         cutoff_rule=("Forms by Thursday 12 noon before the Friday panel (CTMP procedure). "
                      "'Friday morning': the hours are an assumption."),
         slot_minutes=15, chair="Head of Service, Permanence", vice_chair=None,
         administrator="CTMP administrator",
         members=["Service Leader, Children in our Care",
                  "Service Leader, Assessment and Social Work (two)",
                  "Residential Homes Manager", "Commissioning Officer",
                  "Team Manager, Children in our Care", "Team Manager, Leaving Care Team",
                  "Team Manager, Fostering (or another TM or DTM from Fostering)",
                  "Service Manager, Review and Quality", "Looked After Children Nurse",
                  "Programme Manager, Fostering Partnership (MTFC)"]),
]


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    panels = op.create_table(
        'panels',
        sa.Column('key', sa.String(40), primary_key=True),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('process_key', sa.String(120), nullable=True),
        sa.Column('cadence', sa.String(16), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.String(5), nullable=False),
        sa.Column('ends_at', sa.String(5), nullable=False),
        sa.Column('first_meeting', sa.Date(), nullable=False),
        sa.Column('cutoff_working_days', sa.Integer(), nullable=False),
        sa.Column('cutoff_time', sa.String(5), nullable=False),
        sa.Column('cutoff_rule', sa.Text(), nullable=False),
        sa.Column('on_holiday', sa.String(8), nullable=False),
        sa.Column('slot_minutes', sa.Integer(), nullable=False),
        sa.Column('minutes_due_working_days', sa.Integer(), nullable=False),
        sa.Column('chair', sa.String(200), nullable=False),
        sa.Column('vice_chair', sa.String(200), nullable=True),
        sa.Column('administrator', sa.String(200), nullable=False),
        sa.Column('members', json_type, nullable=False),
        sa.Column('focus_cycle', json_type, nullable=True),
    )
    op.create_table(
        'meetings',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('panel_key', sa.String(40), sa.ForeignKey('panels.key'), nullable=False),
        sa.Column('scheduled_on', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submission_deadline', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('focus', sa.String(40), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('changed_by', sa.String(80), nullable=True),
        sa.Column('minutes_instance_id', sa.String(32), nullable=True),
        sa.Column('weekly_return_instance_id', sa.String(32), nullable=True),
        sa.UniqueConstraint('panel_key', 'scheduled_on'),
    )
    op.create_index('ix_meetings_panel_key', 'meetings', ['panel_key'])
    op.create_index('ix_meetings_starts_at', 'meetings', ['starts_at'])
    op.create_table(
        'meeting_items',
        sa.Column('id', sa.String(32), primary_key=True),
        sa.Column('meeting_id', sa.String(32), sa.ForeignKey('meetings.id'), nullable=False),
        sa.Column('instance_id', sa.String(32), sa.ForeignKey('process_instances.id'),
                  nullable=False),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('listed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('late', sa.Boolean(), nullable=False),
        sa.Column('retrospective', sa.Boolean(), nullable=False),
        sa.Column('decision', json_type, nullable=True),
        sa.Column('date_field', sa.String(120), nullable=True),
        sa.UniqueConstraint('meeting_id', 'instance_id'),
    )
    op.create_index('ix_meeting_items_meeting_id', 'meeting_items', ['meeting_id'])
    op.create_index('ix_meeting_items_instance_id', 'meeting_items', ['instance_id'])
    op.bulk_insert(panels, [{"on_holiday": "move", "minutes_due_working_days": 3,
                             "vice_chair": None, "focus_cycle": None, **panel}
                            for panel in PANELS])


def downgrade():
    op.drop_table('meeting_items')
    op.drop_table('meetings')
    op.drop_table('panels')
