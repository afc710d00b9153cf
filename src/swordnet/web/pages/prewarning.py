"""Pre-warning lists: the lists the caller may see with their acknowledgements; an officer
publishes one (key works, a protection window, the platforms it goes to) and it is sent;
a platform acknowledges the lists sent to it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from swordnet.domain.errors import SwordNetError
from swordnet.services.access import Principal, allowed, visible
from swordnet.services.enforcement import answers, browse
from swordnet.services.enforcement.browse import rows_of
from swordnet.services.enforcement.prewarning import publish_and_send
from swordnet.storage import models
from swordnet.web.deps import DB, now, requires
from swordnet.web.i18n import N_
from swordnet.web.templating import add_nav, render

router = APIRouter()
add_nav(N_("Pre-warning lists"), "/prewarning", "prewarning.read")

_CHOICES = 500  # works and platforms offered in the publishing form


def parse_moment(value: str) -> datetime:
    """A date and time from a form (``datetime-local``) or the API, in UTC."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise SwordNetError(f"not a date and time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/prewarning", response_class=HTMLResponse)
def prewarning_page(
    request: Request,
    session: DB,
    principal: Annotated[Principal, Depends(requires("prewarning.read"))],
    after: int | None = None,
    done: str | None = None,
) -> Response:
    rows, following = browse.list_prewarning(session, principal, after=after)
    works: list[tuple[int, str]] = []
    platforms: list[tuple[int, str]] = []
    if allowed(principal, "prewarning.write"):
        works = [
            (wid, title)
            for wid, title in session.execute(
                visible(
                    rows_of(select(models.Work.id, models.Work.title)),
                    principal,
                    "works.read",
                    "work",
                )
                .order_by(models.Work.key_work.desc(), models.Work.title)
                .limit(_CHOICES)
            )
        ]
        platforms = [
            (pid, name)
            for pid, name in session.execute(
                visible(
                    rows_of(select(models.Platform.id, models.Platform.name)),
                    principal,
                    "platforms.read",
                    "platform",
                )
                .order_by(models.Platform.name)
                .limit(_CHOICES)
            )
        ]
    return render(
        request,
        "enforce/prewarning.html",
        {
            "rows": rows,
            "next_url": f"/prewarning?after={following}" if following else None,
            "works": works,
            "platforms": platforms,
            "can_ack": allowed(principal, "prewarning.acknowledge"),
            "done": done,
        },
    )


@router.post("/prewarning")
def publish(
    request: Request,
    principal: Annotated[Principal, Depends(requires("prewarning.write"))],
    title: Annotated[str, Form(min_length=1, max_length=300)],
    work_id: Annotated[list[int], Form()],
    platform_id: Annotated[list[int], Form()],
    starts_at: Annotated[str, Form(max_length=40)],
    ends_at: Annotated[str, Form(max_length=40)],
    send: Annotated[bool, Form()] = False,
) -> Response:
    container = request.app.state.container
    settings = container.settings
    published = publish_and_send(
        container.sessions,
        container.notifier("smtp") if send else None,
        title=title.strip(),
        work_ids=work_id,
        platform_ids=platform_id,
        starts_at=parse_moment(starts_at),
        ends_at=parse_moment(ends_at),
        feed_dir=settings.home / "prewarning",
        sender=settings.enforcement.sender,
        language=settings.enforcement.language,
        actor=principal.username,
        now=now(),
    )
    return RedirectResponse(f"/prewarning?done=published#list-{published.id}", status_code=303)


@router.post("/prewarning/{prewarning_list_id}/acknowledge")
def acknowledge(
    request: Request,
    principal: Annotated[Principal, Depends(requires("prewarning.acknowledge"))],
    prewarning_list_id: int,
    note: Annotated[str | None, Form(max_length=2000)] = None,
    next: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    container = request.app.state.container
    with container.sessions() as session, session.begin():
        answers.acknowledge_list(
            session, principal, prewarning_list_id, note=(note or "").strip() or None, now=now()
        )
    target = next if next in ("/portal/platform",) else "/prewarning?done=acknowledged"
    return RedirectResponse(target, status_code=303)
