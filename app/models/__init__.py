"""Database models, split by domain; import them from here."""
from app.models.absences import Absence
from app.models.audit import AuditEvent
from app.models.documents import Document, MeetingPack, PaperRead
from app.models.drafts import PendingDraft
from app.models.instances import (
    HistoryEvent,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    TaskStatus,
)
from app.models.notifications import Notification, NotificationKind
from app.models.panels import Meeting, MeetingItem, MeetingStatus, Panel
from app.models.processes import FormVersion, ProcessModelVersion, ScheduledStart
from app.models.retention import RetentionDue, RetentionTrace
from app.models.types import utcnow
from app.models.users import (
    ApiToken,
    Role,
    Service,
    Team,
    User,
    UserSession,
    service_leads,
    team_managers,
    user_roles,
)
from app.models.webhooks import (
    DeliveryStatus,
    PersonalData,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)

__all__ = [
    "Absence",
    "ApiToken",
    "AuditEvent",
    "Document",
    "FormVersion",
    "HistoryEvent",
    "HumanTask",
    "InstanceStatus",
    "Meeting",
    "MeetingPack",
    "MeetingItem",
    "MeetingStatus",
    "Notification",
    "PaperRead",
    "NotificationKind",
    "Panel",
    "PendingDraft",
    "ProcessInstance",
    "ProcessModelVersion",
    "RetentionDue",
    "RetentionTrace",
    "Role",
    "ScheduledStart",
    "Service",
    "Team",
    "TaskStatus",
    "User",
    "service_leads",
    "team_managers",
    "UserSession",
    "user_roles",
    "utcnow",
    "DeliveryStatus",
    "PersonalData",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookSubscription",
]
