"""The access policy applied: who is asking (``Principal``), and the rows an action of
theirs reaches, as a condition inside the query.

``domain.policy`` says, per role, which actions are granted and with which scope;
``ROW_RULES`` here says, per kind of row and scope, which rows that scope covers, as SQL.
A list is ``visible(select(...), principal, action, "detection")``; a single row is
``one_visible(...)``, the same query with the id added. Nothing is fetched and filtered
afterwards, so a page of 50 is 50 rows the user may see, and a row the user may not see
is indistinguishable from one that does not exist (``NotVisible``, shown as 404).

A region's scope is the region and everything below it, by prefix on ``region.path``. A
user at the root of the hierarchy (a national officer) has every row, including rows
whose region is not known yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, exists, false, select, true
from sqlalchemy.orm import Session

from swordnet.domain.errors import SwordNetError
from swordnet.domain.kinds import Role
from swordnet.domain.policy import ACTIONS, SECOND_FACTOR_ROLES, Scope, scope_of
from swordnet.storage import models

T = TypeVar("T")


class Forbidden(SwordNetError):  # noqa: N818 - a refusal, named as the user sees it
    """The role may not do this at all (or the token was not given this scope)."""

    def __init__(self, message: str, *, action: str) -> None:
        super().__init__(message)
        self.action = action


class NotVisible(SwordNetError):  # noqa: N818
    """No such row, or not one this user may see: the two are not told apart."""


class SecondFactorRequired(SwordNetError):  # noqa: N818
    """The role needs a TOTP code checked in this session before it may act."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in user, or a system holding one of a user's API tokens."""

    user_id: int
    username: str
    role: Role
    agency_id: int | None = None
    region_code: str | None = None
    region_path: str | None = None  # "CN/440000/": this region and below
    holder_id: int | None = None
    platform_id: int | None = None
    # an API token's scopes; None: everything the role is granted
    token_scopes: frozenset[str] | None = None
    second_factor: bool = False  # TOTP checked in this session
    display_name: str | None = None
    language: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def nationwide(self) -> bool:
        return self.region_path is not None and self.region_path.count("/") == 1


def load_principal(
    session: Session,
    user_id: int,
    *,
    token_scopes: frozenset[str] | None = None,
    second_factor: bool = False,
) -> Principal | None:
    """The principal of an active user, or None (deleted or deactivated)."""
    row = session.execute(
        select(models.User, models.Region.path)
        .outerjoin(models.Region, models.Region.code == models.User.region_code)
        .where(models.User.id == user_id, models.User.active.is_(True))
    ).first()
    if row is None:
        return None
    user, path = row
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        agency_id=user.agency_id,
        region_code=user.region_code,
        region_path=path,
        holder_id=user.holder_id,
        platform_id=user.platform_id,
        token_scopes=token_scopes,
        second_factor=second_factor,
        display_name=user.display_name,
        language=user.language,
    )


def scope_for(principal: Principal, action: str) -> Scope:
    """The scope ``principal`` has for ``action``; refused when it has none."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if principal.role in SECOND_FACTOR_ROLES and not principal.second_factor:
        raise SecondFactorRequired("enter the code from your authenticator app first")
    scope = scope_of(principal.role, action)
    if scope is None:
        raise Forbidden(f"a {principal.role.value} may not {ACTIONS[action]}", action=action)
    if principal.token_scopes is not None and action not in principal.token_scopes:
        raise Forbidden(f"this API token was not given the scope {action!r}", action=action)
    return scope


def allowed(principal: Principal, action: str) -> bool:
    try:
        scope_for(principal, action)
    except (Forbidden, SecondFactorRequired):
        return False
    return True


# --- rows per scope -------------------------------------------------------------------

RowRule = Callable[[Principal], ColumnElement[bool]]


def _in_region(column: Any) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if p.nationwide:
            return true()
        if p.region_path is None:
            return false()  # a user with no region reaches no regional row
        below = select(models.Region.code).where(models.Region.path.startswith(p.region_path))
        return column.in_(below)  # type: ignore[no-any-return]

    return rule


def _works_of(p: Principal) -> Select[Any]:
    return select(models.Work.id).where(models.Work.holder_id == p.holder_id)


def _notices_to(p: Principal) -> Select[Any]:
    return select(models.Notice.id).where(models.Notice.platform_id == p.platform_id)


def _detections_noticed_to(p: Principal) -> Select[Any]:
    return (
        select(models.NoticeItem.detection_id)
        .join(models.Notice, models.Notice.id == models.NoticeItem.notice_id)
        .where(models.Notice.platform_id == p.platform_id)
    )


def _cases_referred_to(p: Principal) -> Select[Any]:
    """The cases referred to the principal's agency: by a referral row, or (cases referred
    before referrals were recorded) by the case's ``referred_agency_id``."""
    by_referral = select(models.Referral.case_id).where(models.Referral.agency_id == p.agency_id)
    return select(models.Case.id).where(
        (models.Case.referred_agency_id == p.agency_id) | models.Case.id.in_(by_referral)
    )


def _detections_referred_to(p: Principal) -> Select[Any]:
    return select(models.case_detection.c.detection_id).where(
        models.case_detection.c.case_id.in_(_cases_referred_to(p))
    )


def _detections_in_region(p: Principal) -> Select[Any]:
    return select(models.Detection.id).where(_in_region(models.Detection.region_code)(p))


def _detections_of_holder(p: Principal) -> Select[Any]:
    return select(models.Detection.id).where(models.Detection.work_id.in_(_works_of(p)))


_DETECTIONS_BY_SCOPE: Mapping[Scope, Callable[[Principal], Select[Any]]] = {
    Scope.REGION: _detections_in_region,
    Scope.HOLDER: _detections_of_holder,
    Scope.PLATFORM: _detections_noticed_to,
    Scope.REFERRED: _detections_referred_to,
}


def _via_detections(column: Any, scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION and p.nationwide:
            return true()
        return column.in_(_DETECTIONS_BY_SCOPE[scope](p))  # type: ignore[no-any-return]

    return rule


def _notice_ids(scope: Scope) -> Callable[[Principal], Select[Any]]:
    def ids(p: Principal) -> Select[Any]:
        if scope is Scope.REGION:
            return select(models.Notice.id).where(_in_region(models.Notice.region_code)(p))
        if scope is Scope.HOLDER:
            return select(models.Notice.id).where(models.Notice.holder_id == p.holder_id)
        if scope is Scope.PLATFORM:
            return _notices_to(p)
        return select(models.NoticeItem.notice_id).where(
            models.NoticeItem.detection_id.in_(_detections_referred_to(p))
        )

    return ids


def _items_of_notices(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION and p.nationwide:
            return true()
        return models.NoticeItem.notice_id.in_(_notice_ids(scope)(p))

    return rule


def _counter_notices(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION and p.nationwide:
            return true()
        items = select(models.NoticeItem.id).where(_items_of_notices(scope)(p))
        return models.CounterNotice.item_id.in_(items)

    return rule


def _notices(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION:
            return _in_region(models.Notice.region_code)(p)
        if scope is Scope.HOLDER:
            return models.Notice.holder_id == p.holder_id
        if scope is Scope.PLATFORM:
            return models.Notice.platform_id == p.platform_id
        return models.Notice.id.in_(_notice_ids(scope)(p))

    return rule


def _cases(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION:
            return _in_region(models.Case.region_code)(p)
        if scope is Scope.REFERRED:
            return models.Case.id.in_(_cases_referred_to(p))
        # a rights holder: the cases holding a copy of one of its works
        held = select(models.case_detection.c.case_id).where(
            models.case_detection.c.detection_id.in_(_detections_of_holder(p))
        )
        return models.Case.id.in_(held)

    return rule


def _referrals_in_region(p: Principal) -> ColumnElement[bool]:
    if p.nationwide:
        return true()
    cases = select(models.Case.id).where(_in_region(models.Case.region_code)(p))
    return models.Referral.case_id.in_(cases)


def _prewarning_lists(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.PLATFORM:
            return exists().where(
                models.PrewarningRecipient.list_id == models.PrewarningList.id,
                models.PrewarningRecipient.platform_id == p.platform_id,
            )
        return exists().where(
            models.PrewarningEntry.list_id == models.PrewarningList.id,
            models.PrewarningEntry.work_id.in_(_works_of(p)),
        )

    return rule


def _targets_in_region(p: Principal) -> ColumnElement[bool]:
    return _in_region(models.MonitoringTarget.region_code)(p)


def _runs_in_region(p: Principal) -> ColumnElement[bool]:
    if p.nationwide:
        return true()
    targets = select(models.MonitoringTarget.id).where(_targets_in_region(p))
    return models.CrawlRun.target_id.in_(targets)


def _captures(scope: Scope) -> RowRule:
    def rule(p: Principal) -> ColumnElement[bool]:
        if scope is Scope.REGION and p.nationwide:
            return true()
        seen = select(models.Detection.capture_id).where(
            models.Detection.id.in_(_DETECTIONS_BY_SCOPE[scope](p))
        )
        return models.Capture.id.in_(seen)

    return rule


def _audit_in_region(p: Principal) -> ColumnElement[bool]:
    if p.nationwide:
        return true()
    users = select(models.User.username).where(_in_region(models.User.region_code)(p))
    return models.AuditEvent.actor.in_(users)


def _all(_p: Principal) -> ColumnElement[bool]:
    return true()


# (kind of row, scope) -> the rows it covers. Scope.ALL covers every row of every kind.
ROW_RULES: Mapping[tuple[str, Scope], RowRule] = MappingProxyType(
    {
        ("work", Scope.HOLDER): lambda p: models.Work.holder_id == p.holder_id,
        ("reference", Scope.HOLDER): lambda p: models.ReferenceFile.work_id.in_(_works_of(p)),
        ("license", Scope.HOLDER): lambda p: models.License.work_id.in_(_works_of(p)),
        ("target", Scope.REGION): _targets_in_region,
        ("run", Scope.REGION): _runs_in_region,
        **{("detection", s): _via_detections(models.Detection.id, s) for s in _DETECTIONS_BY_SCOPE},
        # on the detection's own columns, not ``id IN (SELECT id FROM detection ...)``: the
        # planner can then walk an index in the page's order (see docs/benchmarks.md)
        ("detection", Scope.REGION): _in_region(models.Detection.region_code),
        ("detection", Scope.HOLDER): lambda p: models.Detection.work_id.in_(_works_of(p)),
        **{("capture", s): _captures(s) for s in _DETECTIONS_BY_SCOPE},
        **{("notice", s): _notices(s) for s in _DETECTIONS_BY_SCOPE},
        **{("notice_item", s): _items_of_notices(s) for s in _DETECTIONS_BY_SCOPE},
        **{("counter_notice", s): _counter_notices(s) for s in _DETECTIONS_BY_SCOPE},
        ("prewarning_list", Scope.PLATFORM): _prewarning_lists(Scope.PLATFORM),
        ("prewarning_list", Scope.HOLDER): _prewarning_lists(Scope.HOLDER),
        ("case", Scope.REGION): _cases(Scope.REGION),
        ("case", Scope.REFERRED): _cases(Scope.REFERRED),
        ("case", Scope.HOLDER): _cases(Scope.HOLDER),
        ("referral", Scope.REGION): _referrals_in_region,
        ("referral", Scope.REFERRED): lambda p: models.Referral.agency_id == p.agency_id,
        ("platform", Scope.REGION): _in_region(models.Platform.region_code),
        ("platform", Scope.PLATFORM): lambda p: models.Platform.id == p.platform_id,
        ("holder", Scope.HOLDER): lambda p: models.RightsHolder.id == p.holder_id,
        ("user", Scope.REGION): _in_region(models.User.region_code),
        ("user", Scope.SELF): lambda p: models.User.id == p.user_id,
        ("token", Scope.SELF): lambda p: models.ApiToken.user_id == p.user_id,
        ("audit", Scope.REGION): _audit_in_region,
    }
)

# The model of each kind of row (for ``one_visible``).
ROW_MODELS: Mapping[str, Any] = MappingProxyType(
    {
        "work": models.Work,
        "reference": models.ReferenceFile,
        "license": models.License,
        "whitelist": models.WhiteListEntry,
        "target": models.MonitoringTarget,
        "run": models.CrawlRun,
        "detection": models.Detection,
        "capture": models.Capture,
        "notice": models.Notice,
        "notice_item": models.NoticeItem,
        "counter_notice": models.CounterNotice,
        "prewarning_list": models.PrewarningList,
        "case": models.Case,
        "referral": models.Referral,
        "platform": models.Platform,
        "holder": models.RightsHolder,
        "agency": models.Agency,
        "region": models.Region,
        "user": models.User,
        "token": models.ApiToken,
        "audit": models.AuditEvent,
    }
)


def row_condition(principal: Principal, action: str, kind: str) -> ColumnElement[bool]:
    """The rows of ``kind`` that ``action`` reaches for ``principal``, as a WHERE condition.

    Raises ``Forbidden`` when the action is not granted, and ``LookupError`` when the
    policy grants a scope that has no rule for this kind of row (a gap in the policy, which
    the policy tests look for)."""
    scope = scope_for(principal, action)
    if scope is Scope.ALL:
        return _all(principal)
    try:
        rule = ROW_RULES[(kind, scope)]
    except KeyError:
        raise LookupError(f"no rule for {kind!r} rows under scope {scope.value!r}") from None
    return rule(principal)


def visible(stmt: Select[Any], principal: Principal, action: str, kind: str) -> Select[Any]:
    """``stmt`` restricted to the rows of ``kind`` that ``action`` reaches."""
    return stmt.where(row_condition(principal, action, kind))


def one_visible(session: Session, principal: Principal, action: str, kind: str, row_id: Any) -> Any:
    """The row ``row_id`` of ``kind`` if ``action`` reaches it; ``NotVisible`` otherwise."""
    model = ROW_MODELS[kind]
    key = model.code if kind == "region" else model.id
    row = session.scalars(
        visible(select(model).where(key == row_id), principal, action, kind)
    ).first()
    if row is None:
        raise NotVisible(f"no {kind.replace('_', ' ')} {row_id} that you may see")
    return row
