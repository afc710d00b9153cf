"""The rules of enforcement, free of I/O: authorisation, priority, deadlines, compliance.

Services load records, turn them into these plain values, ask the rules, and store the
answers with who decided and when.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from swordnet.domain.kinds import DetectionStatus, NoticeItemStatus, NoticeStatus


# -- authorisation --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LicenseTerms:
    """What a license allows: who, where (hosts, accounts, platforms, territory), when."""

    licensee: str
    domains: Sequence[str] = ()
    accounts: Sequence[str] = ()
    platform_ids: Sequence[int] = ()
    territory: Sequence[str] = ()  # ISO 3166 codes; empty: the whole world
    rights: Sequence[str] = ()  # empty: every right
    starts_on: date | None = None
    ends_on: date | None = None
    license_id: int | None = None


@dataclass(frozen=True, slots=True)
class WhiteListTerms:
    domain: str
    scope: str = "all"  # "all" or a WorkKind value
    starts_on: date | None = None
    ends_on: date | None = None
    name: str | None = None
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class UseOfWork:
    """Where and when a copy was seen, as far as authorisation cares."""

    host: str
    on: date
    work_kind: str
    platform_id: int | None = None
    account: str | None = None
    country: str | None = None
    right: str = "network_dissemination"


@dataclass(frozen=True, slots=True)
class AuthorisationDecision:
    """The verdict, its reason in words, and which record authorised the use (kept on the
    detection so that withdrawing that record can re-open it)."""

    authorised: bool
    reason: str
    license_id: int | None = None
    white_list_entry_id: int | None = None

    @property
    def grounds(self) -> dict[str, int]:
        """The authorising record, as stored on the detection: empty when not authorised."""
        if self.white_list_entry_id is not None:
            return {"white_list_entry_id": self.white_list_entry_id}
        if self.license_id is not None:
            return {"license_id": self.license_id}
        return {}


def host_matches(host: str, pattern: str) -> bool:
    """``pattern`` is a host name, optionally with a port, or ``*.example.com``."""
    host, pattern = host.lower().rstrip("."), pattern.lower().strip().rstrip(".")
    if pattern.startswith("*."):
        suffix = pattern[1:]
        bare = host.split(":", 1)[0]
        return bare.endswith(suffix) or bare == pattern[2:]
    if ":" in pattern:
        return host == pattern
    return host.split(":", 1)[0] == pattern


def _in_period(on: date, starts_on: date | None, ends_on: date | None) -> bool:
    return (starts_on is None or starts_on <= on) and (ends_on is None or on <= ends_on)


def license_covers(terms: LicenseTerms, use: UseOfWork) -> str | None:
    """Why the license does not cover the use, or None when it does."""
    if not _in_period(use.on, terms.starts_on, terms.ends_on):
        return "outside the license period"
    if terms.rights and use.right not in terms.rights:
        return f"license does not grant {use.right}"
    if (
        terms.territory
        and use.country
        and use.country.upper() not in {code.upper() for code in terms.territory}
    ):
        return f"territory {use.country} not licensed"
    where = [
        any(host_matches(use.host, domain) for domain in terms.domains),
        use.platform_id is not None and use.platform_id in terms.platform_ids,
        use.account is not None and use.account in terms.accounts,
    ]
    if not (terms.domains or terms.platform_ids or terms.accounts):
        return "license names no domain, platform or account"
    if not any(where):
        return "site, platform and account are not the licensee's"
    return None


def decide_authorisation(
    use: UseOfWork, licenses: Iterable[LicenseTerms], white_list: Iterable[WhiteListTerms]
) -> AuthorisationDecision:
    """Authorised when a license or a white-list entry covers the use; the reason says which."""
    for entry in white_list:
        if (
            host_matches(use.host, entry.domain)
            and entry.scope in ("all", use.work_kind)
            and _in_period(use.on, entry.starts_on, entry.ends_on)
        ):
            label = entry.name or entry.domain
            return AuthorisationDecision(
                True,
                f"white list: {label} (scope {entry.scope})",
                white_list_entry_id=entry.entry_id,
            )
    refusals: list[str] = []
    for terms in licenses:
        problem = license_covers(terms, use)
        if problem is None:
            number = f" #{terms.license_id}" if terms.license_id is not None else ""
            return AuthorisationDecision(
                True, f"license{number} to {terms.licensee}", license_id=terms.license_id
            )
        refusals.append(f"{terms.licensee}: {problem}")
    if refusals:
        return AuthorisationDecision(
            False, "no license covers this use (" + "; ".join(refusals) + ")"
        )
    return AuthorisationDecision(False, "no license or white-list entry for this work and site")


def status_after_rules(
    status: DetectionStatus, by_rule: bool, verdict: AuthorisationDecision
) -> DetectionStatus:
    """The status of a detection not yet in any notice once licenses and white lists are
    applied (again): what a person decided stands, what a rule decided follows the rules.

    A covered use becomes authorised, even if it was confirmed (no notice went out yet); a
    use a rule had authorised and no rule covers any more is open again for review."""
    if status is DetectionStatus.DISMISSED or (
        status is DetectionStatus.AUTHORISED and not by_rule
    ):
        return status
    if verdict.authorised:
        return DetectionStatus.AUTHORISED
    if status is DetectionStatus.AUTHORISED:
        return DetectionStatus.NEW
    return status


# -- review ---------------------------------------------------------------------------
def review_priority(
    *, prewarned: bool, key_work: bool, score: float, reach: int
) -> tuple[int, int, float, int]:
    """Sort key, smallest first: pre-warned works, then key works, then score and reach."""
    return (0 if prewarned else 1, 0 if key_work else 1, -score, -reach)


# A match of a work's title or alias (listings, share links, torrents, apps): it names the
# work rather than copying it, so it is its own kind of evidence, with its own threshold.
# The other kinds are the registered modalities (``swordnet.plugins.evidence_kinds``).
TITLE_EVIDENCE = "title"
TITLE_MODALITY = "text"  # a title is text: how a title match is stored and named


def evidence_kind(modality: str, signal: str) -> str:
    """What a detection rests on: a fingerprint match of its modality, or a title match.

    Title matches are stored with modality ``text`` (the title is text) and signal
    ``title``; only the signal tells them apart."""
    return TITLE_EVIDENCE if signal == TITLE_EVIDENCE else modality


def should_auto_confirm(kind: str, score: float, thresholds: Mapping[str, float]) -> bool:
    """``kind`` is an evidence kind: a modality or ``title``. Without a threshold, never."""
    threshold = thresholds.get(kind)
    return threshold is not None and score >= threshold


# -- notices and deadlines ------------------------------------------------------------
def notice_type(*, key_work_or_prewarned: bool, platform_category: str | None) -> str:
    """The deadline class of a notice: key works are the most urgent."""
    if key_work_or_prewarned:
        return "key_work"
    if platform_category == "ecommerce":
        return "ecommerce"
    return "default"


def notice_deadline(sent_at: datetime, kind: str, hours: Mapping[str, float]) -> datetime:
    return sent_at + timedelta(hours=hours.get(kind, hours.get("default", 72.0)))


def notice_key(recipient: str, jurisdiction: str, detection_ids: Iterable[int]) -> str:
    """Stable across retries and restarts: the same recipient and items give the same key."""
    ids = ",".join(str(i) for i in sorted(set(detection_ids)))
    return hashlib.sha256(f"{recipient}|{jurisdiction}|{ids}".encode()).hexdigest()[:40]


# -- compliance -----------------------------------------------------------------------
_REMOVAL_PATTERNS = re.compile(
    "|".join(
        [
            r"content (has been |was )?(removed|deleted|taken down)",
            r"(page|video|file|post|item|resource) (has been |was )?(removed|deleted|taken down)",
            r"no longer available",
            r"removed (due to|following|in response to) (a )?(copyright|dmca)",
            r"已删除",
            r"已(经)?被(删除|取消|屏蔽)",
            r"该内容已被删除",
            r"内容已下架",
            r"已下架",
            r"因版权原因",
            r"涉嫌侵权.{0,6}(删除|屏蔽)",
            r"资源不存在",
            r"分享已(取消|失效|过期)",
            r"(链接|文件|页面)不存在",
            r"(链接|分享)已失效",
        ]
    ),
    re.IGNORECASE,
)


def looks_removed(page_text: str) -> bool:
    """A page that says its content was removed (short pages only: a long page that merely
    mentions removal is still a page)."""
    return len(page_text) < 4000 and _REMOVAL_PATTERNS.search(page_text) is not None


@dataclass(frozen=True, slots=True)
class ItemCheck:
    """What a re-fetch of an infringing URL showed."""

    status: int | None  # None: the fetch failed
    page_text: str = ""
    still_matches: bool = False
    body_sha256: str | None = None
    captured_sha256: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ItemVerdict:
    status: NoticeItemStatus
    detail: str


def judge_item(check: ItemCheck) -> ItemVerdict:
    """Removed (gone, placeholder, copy no longer there), still there, changed, or unknown
    (left pending) when the site could not be reached."""
    if check.status is None or check.status >= 500 or check.status in (401, 403, 429):
        return ItemVerdict(NoticeItemStatus.PENDING, f"not verified: {check.error or check.status}")
    if check.status in (404, 410):
        return ItemVerdict(NoticeItemStatus.REMOVED, f"HTTP {check.status}")
    if check.status >= 400:
        return ItemVerdict(NoticeItemStatus.REMOVED, f"HTTP {check.status}")
    if looks_removed(check.page_text):
        return ItemVerdict(NoticeItemStatus.REMOVED, "removal notice shown in place of the copy")
    if not check.still_matches:
        return ItemVerdict(NoticeItemStatus.REMOVED, "page answers but no longer holds the copy")
    if check.captured_sha256 and check.body_sha256 != check.captured_sha256:
        return ItemVerdict(NoticeItemStatus.CHANGED, "page changed but still holds the copy")
    return ItemVerdict(NoticeItemStatus.STILL_THERE, "copy still there")


_SETTLED_ELSEWHERE = {NoticeItemStatus.COUNTER_NOTICED, NoticeItemStatus.RESTORED}


def notice_verdict(items: Iterable[NoticeItemStatus]) -> NoticeStatus:
    """Complied when every contested-free item is removed, partly when some are, else ignored.

    Items under a counter-notice are the platform answering, not ignoring: they count as
    handled."""
    statuses = list(items)
    relevant = [s for s in statuses if s not in _SETTLED_ELSEWHERE]
    removed = sum(1 for s in relevant if s is NoticeItemStatus.REMOVED)
    if not relevant or removed == len(relevant):
        return NoticeStatus.COMPLIED
    if removed or len(relevant) < len(statuses):
        return NoticeStatus.PARTLY_COMPLIED
    return NoticeStatus.IGNORED


# -- escalation -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RepeatInfringerPolicy:
    ignored_notices: int
    confirmed_detections: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class InfringerRecord:
    ignored_notices: int
    confirmed_detections: int


@dataclass(frozen=True, slots=True)
class EscalationGrounds:
    """Why a site is a repeat infringer: ``count`` ignored notices or confirmed
    infringements (``what``) within ``days``. Documents word it in their own language."""

    what: str  # "ignored_notices" or "confirmed_detections"
    count: int
    days: int


def escalation_grounds(
    record: InfringerRecord, policy: RepeatInfringerPolicy
) -> EscalationGrounds | None:
    """Why a site is a repeat infringer under the policy, or None."""
    days = policy.window.days
    if record.ignored_notices >= policy.ignored_notices:
        return EscalationGrounds("ignored_notices", record.ignored_notices, days)
    if record.confirmed_detections >= policy.confirmed_detections:
        return EscalationGrounds("confirmed_detections", record.confirmed_detections, days)
    return None


def escalation_reason(record: InfringerRecord, policy: RepeatInfringerPolicy) -> str | None:
    """The grounds in English, for case notes and the audit trail."""
    grounds = escalation_grounds(record, policy)
    if grounds is None:
        return None
    if grounds.what == "ignored_notices":
        return f"{grounds.count} notices ignored in {grounds.days} days"
    return f"{grounds.count} confirmed infringements in {grounds.days} days"


# -- pre-warning lists ----------------------------------------------------------------
def in_window(moment: datetime, starts_at: datetime, ends_at: datetime) -> bool:
    return starts_at <= moment <= ends_at
