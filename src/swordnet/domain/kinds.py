"""Enumerations shared by the whole system.

Modalities are not among them: each signal type declares its own (``SignalType.modality``),
so that adding one needs neither a change here nor a migration."""

from __future__ import annotations

from enum import StrEnum


class WorkKind(StrEnum):
    FILM = "film"
    EPISODE = "episode"
    SHORT_VIDEO = "short_video"
    MUSIC = "music"
    BOOK = "book"
    CHAPTER = "chapter"
    NEWS_ARTICLE = "news_article"
    PHOTO = "photo"
    COURSE = "course"
    GAME = "game"
    SOFTWARE = "software"


class Role(StrEnum):
    """What a user may do; the policy (``domain.policy``) grants actions per role, and the
    user's agency, region, rights holder or platform bounds what those actions reach."""

    ADMIN = "admin"
    OFFICER = "officer"  # enforcement officer of a copyright bureau
    REVIEWER = "reviewer"
    PARTNER = "partner"  # cyberspace or telecom regulator, police
    RIGHTS_HOLDER = "rights_holder"
    PLATFORM = "platform"
    VIEWER = "viewer"


class PlatformCategory(StrEnum):
    VIDEO = "video"
    MUSIC = "music"
    LITERATURE = "literature"
    NEWS = "news"
    CLOUD_STORAGE = "cloud_storage"
    ECOMMERCE = "ecommerce"
    APP_STORE = "app_store"
    SOCIAL = "social"
    EDUCATION = "education"
    GAMES = "games"
    FORUM = "forum"
    PHOTO = "photo"
    OTHER = "other"


class AgencyKind(StrEnum):
    """The bodies that run a campaign together."""

    COPYRIGHT = "copyright"  # copyright administration, at national, provincial, city level
    CYBERSPACE = "cyberspace"  # cyberspace regulator
    TELECOM = "telecom"  # telecom regulator: filings, shutdowns
    POLICE = "police"  # public security: criminal referrals
    OTHER = "other"


class HolderKind(StrEnum):
    RIGHTS_HOLDER = "rights_holder"
    CMO = "cmo"  # collective management organisation


class PlatformStatus(StrEnum):
    ACTIVE = "active"
    SUPERVISED = "supervised"  # under "key supervision"
    SHUT_DOWN = "shut_down"


class DetectionStatus(StrEnum):
    NEW = "new"
    AUTHORISED = "authorised"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    RENDERED = "rendered"
    SENT = "sent"
    COMPLIED = "complied"
    PARTLY_COMPLIED = "partly_complied"
    IGNORED = "ignored"


class NoticeItemStatus(StrEnum):
    PENDING = "pending"
    REMOVED = "removed"
    STILL_THERE = "still_there"
    CHANGED = "changed"
    COUNTER_NOTICED = "counter_noticed"
    RESTORED = "restored"


class CaseStatus(StrEnum):
    OPEN = "open"
    REFERRED = "referred"  # criminal referral
    CLOSED = "closed"


class TipStatus(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    ACTIONED = "actioned"
    REJECTED = "rejected"


class CaptureOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    REFUSED = "refused"  # unsafe address, robots.txt, budget
