"""Every table. Importing this module registers them all on ``Base.metadata``."""

from swordnet.storage.models.accounts import AuditEvent, AuditHead, User
from swordnet.storage.models.base import Base, utcnow
from swordnet.storage.models.cases import (
    CaseEvent,
    CaseFigure,
    CasePenalty,
    Referral,
    case_capture,
    case_inspection,
    case_notice,
    case_tip,
)
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
from swordnet.storage.models.thresholds import ThresholdRuleSet

__all__ = [
    "Agency",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Base",
    "Campaign",
    "Capture",
    "Case",
    "CaseEvent",
    "CaseFigure",
    "CasePenalty",
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
    "Referral",
    "Region",
    "RightsHolder",
    "ShutdownRequest",
    "ThresholdRuleSet",
    "Tip",
    "User",
    "WebSession",
    "WhiteListEntry",
    "Work",
    "case_capture",
    "case_detection",
    "case_inspection",
    "case_notice",
    "case_tip",
    "utcnow",
]
