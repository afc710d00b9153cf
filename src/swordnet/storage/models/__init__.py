"""Every table. Importing this module registers them all on ``Base.metadata``."""

from swordnet.storage.models.accounts import AuditEvent, AuditHead, User
from swordnet.storage.models.base import Base, utcnow
from swordnet.storage.models.catalogue import (
    Fingerprint,
    License,
    ReferenceFile,
    RightsHolder,
    WhiteListEntry,
    Work,
)
from swordnet.storage.models.enforcement import (
    Campaign,
    Case,
    Detection,
    DetectionSegment,
    Inspection,
    Notice,
    NoticeItem,
    Tip,
    case_detection,
)
from swordnet.storage.models.ledger import LedgerCheckpoint, LedgerHead, LedgerLeaf, LedgerNode
from swordnet.storage.models.monitoring import (
    Capture,
    CrawlRun,
    ExtractedItem,
    FrontierUrl,
    MonitoringTarget,
    Platform,
)
from swordnet.storage.models.notice_followup import CounterNotice, NoticeDelivery, ShutdownRequest
from swordnet.storage.models.parties import (
    Agency,
    ApiToken,
    IdempotencyRecord,
    PartyAccount,
    PlatformSite,
    Region,
    WebSession,
)
from swordnet.storage.models.prewarning import PrewarningEntry, PrewarningList, PrewarningRecipient

__all__ = [
    "Agency",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Campaign",
    "Capture",
    "Case",
    "CounterNotice",
    "CrawlRun",
    "Detection",
    "DetectionSegment",
    "ExtractedItem",
    "Fingerprint",
    "FrontierUrl",
    "IdempotencyRecord",
    "Inspection",
    "LedgerCheckpoint",
    "LedgerHead",
    "LedgerLeaf",
    "LedgerNode",
    "License",
    "MonitoringTarget",
    "Notice",
    "NoticeDelivery",
    "NoticeItem",
    "PartyAccount",
    "Platform",
    "PlatformSite",
    "PrewarningEntry",
    "PrewarningList",
    "PrewarningRecipient",
    "ReferenceFile",
    "Region",
    "RightsHolder",
    "ShutdownRequest",
    "Tip",
    "User",
    "WebSession",
    "WhiteListEntry",
    "Work",
    "case_detection",
    "utcnow",
]
