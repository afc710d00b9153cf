"""Platforms: who runs a site, where it is filed, how notices reach it; its further sites
and the accounts on it.

A platform's region decides who sees its detections and notices: each takes its region
from its platform when recorded, and follows it when the platform moves (one UPDATE per
table, ``_follow_region``); see docs/parties.md."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from swordnet.domain.kinds import PlatformCategory, PlatformStatus
from swordnet.services import audit
from swordnet.services.access import Principal
from swordnet.services.parties import validation as check
from swordnet.services.parties.scope import open_row, require_region_in_scope, scoped
from swordnet.services.parties.validation import DuplicatePartyError, PartyError
from swordnet.storage import models

# what a platform's record holds, as accepted from a person or another system
PLATFORM_FIELDS = (
    "name",
    "domain",
    "category",
    "region_code",
    "operator",
    "icp_filing",
    "hosting_provider",
    "registrar",
    "notice_email",
    "notice_emails",
    "webhook_url",
    "webhook_secret",
    "api_access",
    "key_supervision",
    "status",
)
MIN_WEBHOOK_SECRET = 16
_SECRET_FIELDS = frozenset({"webhook_secret"})


def parse_choice(enum: Any, field: str, value: Any) -> Any:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise PartyError(f"{field}: {value!r} is not one of {choices}") from None


def region_exists(session: Session, code: str | None) -> str | None:
    code = check.optional_text(code)
    if code is not None and session.get(models.Region, code) is None:
        raise PartyError(
            f"region_code: no region {code!r}; see `swordnet regions list`, or import it first"
        )
    return code


def clean_platform_fields(session: Session, given: Mapping[str, Any]) -> dict[str, Any]:
    """The fields as stored, each checked; unknown fields are refused."""
    unknown = sorted(set(given) - set(PLATFORM_FIELDS))
    if unknown:
        raise PartyError(f"unknown platform fields: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    for name, value in given.items():
        if name == "name":
            cleaned[name] = check.required_text("name", value)
        elif name == "domain":
            cleaned[name] = check.domain(value)
        elif name == "category":
            cleaned[name] = parse_choice(PlatformCategory, name, value)
        elif name == "status":
            cleaned[name] = parse_choice(PlatformStatus, name, value)
        elif name == "region_code":
            cleaned[name] = region_exists(session, value)
        elif name == "notice_email":
            cleaned[name] = check.email(name, value)
        elif name == "notice_emails":
            cleaned[name] = check.emails(name, list(value or []))
        elif name == "webhook_url":
            cleaned[name] = check.url(name, value)
        elif name == "webhook_secret":
            secret = check.optional_text(value)
            if secret is not None and len(secret) < MIN_WEBHOOK_SECRET:
                raise PartyError(
                    f"webhook_secret: use at least {MIN_WEBHOOK_SECRET} random characters "
                    "(the platform checks each notice's signature with it)"
                )
            cleaned[name] = secret
        elif name in ("api_access", "key_supervision"):
            cleaned[name] = bool(value)
        else:
            cleaned[name] = check.optional_text(value)
    return cleaned


def _audited(fields: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit trail keeps of the fields: never a secret, only that it was set."""
    return {
        name: ("(set)" if value else None) if name in _SECRET_FIELDS else value
        for name, value in fields.items()
    }


def _refuse_taken_domain(session: Session, domain: str, platform_id: int | None) -> None:
    owner = session.scalar(select(models.Platform.id).where(models.Platform.domain == domain))
    if owner is not None and owner != platform_id:
        raise DuplicatePartyError(
            f"platform {owner} has the domain {domain} already: change that one "
            f"(swordnet platforms edit {owner}) instead of registering it again"
        )
    site_owner = session.scalar(
        select(models.PlatformSite.platform_id).where(models.PlatformSite.domain == domain)
    )
    if site_owner is not None:
        raise DuplicatePartyError(f"{domain} is a further site of platform {site_owner} already")


def register_platform(
    session: Session,
    fields: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.Platform:
    """A new platform; ``name`` and ``domain`` are required."""
    cleaned = clean_platform_fields(session, fields)
    if "name" not in cleaned or "domain" not in cleaned:
        raise PartyError("a platform needs a name and a domain")
    require_region_in_scope(session, principal, "platforms.write", cleaned.get("region_code"))
    _refuse_taken_domain(session, cleaned["domain"], None)
    platform = models.Platform(**cleaned)
    session.add(platform)
    session.flush()
    audit.record(
        session, actor, "platform.registered", "platform", platform.id, **_audited(cleaned)
    )
    return platform


def update_platform(
    session: Session,
    platform_id: int,
    changes: Mapping[str, Any],
    *,
    actor: str,
    principal: Principal | None = None,
) -> models.Platform:
    """Change the given fields; a change of region carries the platform's detections and
    notices along."""
    platform: models.Platform = open_row(
        session, principal, "platforms.write", "platform", platform_id
    )
    cleaned = clean_platform_fields(session, changes)
    if "domain" in cleaned:
        _refuse_taken_domain(session, cleaned["domain"], platform.id)
    if "region_code" in cleaned:
        require_region_in_scope(session, principal, "platforms.write", cleaned["region_code"])
    changed = {k: v for k, v in cleaned.items() if getattr(platform, k) != v}
    if not changed:
        return platform
    old_region = platform.region_code
    for name, value in changed.items():
        setattr(platform, name, value)
    session.flush()
    followed: dict[str, int] = {}
    if "region_code" in changed:
        followed = _follow_region(session, platform.id, old_region, platform.region_code)
    audit.record(
        session,
        actor,
        "platform.changed",
        "platform",
        platform.id,
        changes=_audited(changed),
        **({"region_followed": followed} if followed else {}),
    )
    return platform


def _follow_region(
    session: Session, platform_id: int, old: str | None, new: str | None
) -> dict[str, int]:
    """Move the platform's detections and notices whose region came from it.

    A row "came from" the platform when its region is the platform's old one; when the
    platform had none, the rows that have none take the new one (a detection that took
    its target's region keeps it). A platform that loses its region gives its detections
    back their targets' regions."""
    detection, notice = models.Detection, models.Notice
    came = (detection.region_code == old) if old is not None else detection.region_code.is_(None)
    if new is None:
        target_region = (
            select(models.MonitoringTarget.region_code)
            .join(models.CrawlRun, models.CrawlRun.target_id == models.MonitoringTarget.id)
            .join(models.Capture, models.Capture.run_id == models.CrawlRun.id)
            .where(models.Capture.id == detection.capture_id)
            .limit(1)
            .scalar_subquery()
        )
        value: Any = target_region
    else:
        value = new
    moved_detections = session.execute(
        update(detection)
        .where(detection.platform_id == platform_id, came)
        .values(region_code=value)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    notice_came = (notice.region_code == old) if old is not None else notice.region_code.is_(None)
    moved_notices = session.execute(
        update(notice)
        .where(notice.platform_id == platform_id, notice_came)
        .values(region_code=new)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return {"detections": int(moved_detections or 0), "notices": int(moved_notices or 0)}


def get_platform(
    session: Session, platform_id: int, *, principal: Principal | None = None
) -> models.Platform:
    return open_row(session, principal, "platforms.read", "platform", platform_id)  # type: ignore[no-any-return]


def find_platform(session: Session, id_or_domain: str) -> models.Platform:
    """A platform by id or by its domain (command line)."""
    if id_or_domain.isdigit():
        found = session.get(models.Platform, int(id_or_domain))
    else:
        found = session.scalars(
            select(models.Platform).where(models.Platform.domain == check.domain(id_or_domain))
        ).first()
    if found is None:
        raise PartyError(f"no platform {id_or_domain!r}: see `swordnet platforms list`")
    return found


def platforms_query(
    principal: Principal | None = None,
    *,
    category: str | None = None,
    region_code: str | None = None,
    key_supervision: bool | None = None,
    status: str | None = None,
    search: str | None = None,
) -> Select[Any]:
    """Platforms the caller may see, filtered; ``region_code`` includes the regions below."""
    stmt = select(models.Platform)
    if category:
        stmt = stmt.where(
            models.Platform.category == parse_choice(PlatformCategory, "category", category)
        )
    if status:
        stmt = stmt.where(models.Platform.status == parse_choice(PlatformStatus, "status", status))
    if key_supervision is not None:
        stmt = stmt.where(models.Platform.key_supervision.is_(key_supervision))
    if region_code:
        below = select(models.Region.code).where(
            models.Region.path.startswith(
                select(models.Region.path)
                .where(models.Region.code == region_code)
                .scalar_subquery()
            )
        )
        stmt = stmt.where(models.Platform.region_code.in_(below))
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(
            func.lower(models.Platform.name).like(pattern)
            | func.lower(models.Platform.domain).like(pattern)
        )
    return scoped(stmt, principal, "platforms.read", "platform")


def list_platforms(
    session: Session,
    principal: Principal | None = None,
    *,
    limit: int | None = None,
    **filters: Any,
) -> list[models.Platform]:
    """``platforms_query`` run, oldest first (the command line, pages), at most ``limit``."""
    stmt = platforms_query(principal, **filters).order_by(models.Platform.id)
    return list(session.scalars(stmt if limit is None else stmt.limit(limit)))


def add_site(
    session: Session,
    platform_id: int,
    domain: str,
    *,
    note: str | None = None,
    actor: str,
    principal: Principal | None = None,
) -> models.PlatformSite:
    """A further domain of the platform: what is found there is the platform's."""
    platform = open_row(session, principal, "platforms.write", "platform", platform_id)
    host = check.domain(domain)
    _refuse_taken_domain(session, host, None)
    site = models.PlatformSite(platform_id=platform.id, domain=host, note=check.optional_text(note))
    session.add(site)
    session.flush()
    audit.record(session, actor, "platform.site_added", "platform", platform.id, domain=host)
    return site


def add_account(
    session: Session,
    platform_id: int,
    account: str,
    *,
    holder_id: int | None = None,
    label: str | None = None,
    actor: str,
    principal: Principal | None = None,
) -> models.PartyAccount:
    """An account on the platform: a rights holder's official one when ``holder_id``."""
    platform = open_row(session, principal, "platforms.write", "platform", platform_id)
    name = check.required_text("account", account)
    if holder_id is not None and session.get(models.RightsHolder, holder_id) is None:
        raise PartyError(f"no rights holder {holder_id}: see `swordnet holders list`")
    taken = session.scalar(
        select(models.PartyAccount.id).where(
            models.PartyAccount.platform_id == platform.id, models.PartyAccount.account == name
        )
    )
    if taken is not None:
        raise DuplicatePartyError(f"account {name!r} is recorded on platform {platform.id} already")
    row = models.PartyAccount(
        platform_id=platform.id, account=name, holder_id=holder_id, label=check.optional_text(label)
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "platform.account_added",
        "platform",
        platform.id,
        account=name,
        holder_id=holder_id,
    )
    return row


def sites_of(session: Session, platform_id: int) -> list[models.PlatformSite]:
    return list(
        session.scalars(
            select(models.PlatformSite)
            .where(models.PlatformSite.platform_id == platform_id)
            .order_by(models.PlatformSite.domain)
        )
    )


def accounts_of(session: Session, platform_id: int) -> list[models.PartyAccount]:
    return list(
        session.scalars(
            select(models.PartyAccount)
            .where(models.PartyAccount.platform_id == platform_id)
            .order_by(models.PartyAccount.id)
        )
    )
