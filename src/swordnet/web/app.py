"""The application: pages, the API under ``/api/v1``, and the answers to what goes wrong.

``create_app(container)`` takes the composition root (``bootstrap.Container``) and builds a
FastAPI app on it. Routers are found by module: every module of ``swordnet.web.pages`` and
``swordnet.web.api.v1`` that has a ``router`` is included (pages left out of the OpenAPI
schema). Errors answer in the caller's terms: an API client gets a problem document, a
browser an error page that says what to do next, and one not signed in is sent to sign in.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable, MutableMapping
from types import ModuleType
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeSerializer
from sqlalchemy.exc import DataError, IntegrityError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

from swordnet import __version__
from swordnet.domain.errors import ConfigurationError, SwordNetError
from swordnet.services.access import Forbidden, NotVisible, SecondFactorRequired
from swordnet.services.context import AppContext
from swordnet.web import api as api_package
from swordnet.web import pages as pages_package
from swordnet.web.deps import CsrfRefused, NotSignedIn, translator
from swordnet.web.i18n import N_
from swordnet.web.problems import PROBLEM_MEDIA_TYPE, Problem, problem
from swordnet.web.scoped_cache import ScopedCache
from swordnet.web.templating import STATIC_DIR, render

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

# Pages may load only what SwordNet serves; replayed captures are framed from /replay/
# with their own, stricter policy.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)


def _router_modules(package: ModuleType) -> list[ModuleType]:
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if info.ispkg:
            found.extend(_router_modules(module))
        elif hasattr(module, "router"):
            found.append(module)
    return found


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _problem_response(
    request: Request, body: Problem, headers: dict[str, str] | None = None
) -> Response:
    payload = body.model_copy(update={"instance": body.instance or request.url.path})
    return JSONResponse(
        payload.model_dump(exclude_none=True),
        status_code=body.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _error_page(
    request: Request, status: int, title: str, detail: str, action: str | None = None
) -> Response:
    _ = translator(request)
    return render(
        request,
        "error.html",
        {"status": status, "title": _(title), "detail": _(detail), "next_action": action},
        status_code=status,
    )


def _next(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return quote(target, safe="/?=&")


def _install_error_handlers(app: FastAPI) -> None:
    async def not_signed_in(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(
                request,
                problem("not-signed-in", "Not signed in", 401, str(exc)),
                headers={"WWW-Authenticate": 'Bearer realm="swordnet"'},
            )
        if request.headers.get("hx-request"):
            return Response(
                status_code=401, headers={"HX-Redirect": f"/login?next={_next(request)}"}
            )
        return RedirectResponse(f"/login?next={_next(request)}", status_code=303)

    async def second_factor(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(
                request, problem("second-factor-required", "Second factor required", 403, str(exc))
            )
        return RedirectResponse(f"/auth/totp?next={_next(request)}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(request, problem("forbidden", "Not allowed", 403, str(exc)))
        return _error_page(
            request, 403, N_("Not allowed"), str(exc), N_("Ask an administrator if you need this.")
        )

    async def csrf(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(
                request, problem("csrf", "Missing or wrong CSRF token", 403, str(exc))
            )
        return _error_page(
            request,
            403,
            N_("This form has expired"),
            str(exc),
            N_("Reload the page and submit again."),
        )

    async def not_visible(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(request, problem("not-found", "Not found", 404, str(exc)))
        return _error_page(
            request,
            404,
            N_("Not found"),
            str(exc),
            N_("Check the address, or go back to the list."),
        )

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "location": ".".join(str(part) for part in err.get("loc", ())),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])
        if _is_api(request):
            return _problem_response(
                request, problem("invalid-request", "Malformed request", 422, detail, errors=errors)
            )
        return _error_page(
            request,
            422,
            N_("Some fields are not valid"),
            detail,
            N_("Go back, correct them and submit again."),
        )

    async def conflict(request: Request, exc: Exception) -> Response:
        detail = N_("this would duplicate or contradict a record that exists")
        if _is_api(request):
            return _problem_response(request, problem("conflict", "Conflict", 409, detail))
        return _error_page(
            request, 409, N_("Conflict"), detail, N_("Go back and check the values.")
        )

    async def out_of_range(request: Request, exc: Exception) -> Response:
        # a number no column can hold (an id of 2**70): SQLite's driver raises OverflowError,
        # PostgreSQL's a DataError; either way the request, not the server, is at fault
        detail = N_("a number or value in the request is out of range")
        if _is_api(request):
            return _problem_response(
                request, problem("invalid-request", "Malformed request", 422, detail)
            )
        return _error_page(
            request,
            422,
            N_("Some fields are not valid"),
            detail,
            N_("Go back, correct them and submit again."),
        )

    async def refused(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return _problem_response(request, problem("refused", "Cannot be done", 400, str(exc)))
        return _error_page(
            request,
            400,
            N_("Cannot be done"),
            str(exc),
            N_("Go back, change the request and try again."),
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = getattr(exc, "headers", None)
        if _is_api(request):
            slug = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(
                exc.status_code, "http-error"
            )
            return _problem_response(
                request,
                problem(slug, _http_title(exc.status_code), exc.status_code, str(exc.detail)),
                headers=headers,
            )
        return _error_page(request, exc.status_code, _http_title(exc.status_code), str(exc.detail))

    async def crashed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        detail = N_(
            "an unexpected error happened; it was logged. Try again, or tell an administrator."
        )
        if _is_api(request):
            return _problem_response(request, problem("internal", "Internal error", 500, detail))
        return _error_page(request, 500, N_("Something went wrong"), detail)

    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(SecondFactorRequired, second_factor)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf)
    app.add_exception_handler(NotVisible, not_visible)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(IntegrityError, conflict)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(DataError, out_of_range)
    app.add_exception_handler(SwordNetError, refused)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crashed)


def _http_title(status: int) -> str:
    return {
        400: N_("Bad request"),
        401: N_("Not signed in"),
        403: N_("Not allowed"),
        404: N_("Not found"),
        405: N_("Method not allowed"),
        413: N_("Too large"),
        415: N_("Unsupported media type"),
    }.get(status, N_("Error"))


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class BodyLimit:
    """Refuses a request body above the limit (413) before the app reads it all: by its
    Content-Length when given, else by counting the chunks as they arrive."""

    def __init__(self, app: Any, *, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = (
            self.upload_limit
            if headers.get("content-type", "").startswith("multipart/")
            else self.json_limit
        )
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, limit)
            return
        seen = 0
        started = False

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge()
            return message

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        detail = f"the request body is larger than {limit} bytes; send a smaller one"
        path = str(scope.get("path", ""))
        if path.startswith("/api/"):
            body = (
                problem("too-large", "Too large", 413, detail, instance=path)
                .model_dump_json(exclude_none=True)
                .encode()
            )
            media_type = PROBLEM_MEDIA_TYPE
        else:  # a browser's form: a page in both languages, not a JSON document
            body = _TOO_LARGE_PAGE.format(limit_mib=max(1, limit // 1024**2)).encode()
            media_type = "text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", media_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# Answered before the app runs (the body was never read), so without the page frame.
_TOO_LARGE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>413 · SwordNet</title><link rel="stylesheet" href="/static/app.css"></head>
<body><main><section class="error"><h1>413 · 内容过大 · Too large</h1>
<p>上传的内容超过 {limit_mib} MiB 的上限，未保存任何内容。请返回并上传较小的文件。</p>
<p>What you sent is larger than the {limit_mib} MiB limit; nothing was saved. Go back and
send a smaller file.</p><p><a href="/">返回仪表盘 · Back to the dashboard</a></p>
</section></main></body></html>"""


class SecurityHeaders:
    """The headers every answer carries. A plain ASGI middleware, not ``BaseHTTPMiddleware``:
    that one reads the request body in a task group, which turns BodyLimit's 413 raised
    while the body is read into an exception group that FastAPI answers as a 400."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        has_cookies = any(name.lower() == b"cookie" for name, _ in scope["headers"])

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if not path.startswith(("/replay/", f"{API_PREFIX}/docs")):
                    headers.setdefault("Content-Security-Policy", PAGE_CSP)
                    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
                if path.startswith("/api/") or has_cookies:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


class _TooLarge(HTTPException):
    """Raised while the body is read: an HTTPException, so that FastAPI's body parsing
    passes it on as is (it turns other exceptions into 400) and the handler answers 413."""

    def __init__(self) -> None:
        super().__init__(413, "the request body is larger than allowed; send a smaller one")


def _mount_replay(app: FastAPI, container: AppContext) -> None:
    """Captured pages replayed from the WARC files at ``/replay``, each record only to a
    caller who may see a capture at that WARC file and offset (``services.evidence``)."""
    from swordnet.services.evidence import capture_visible_at
    from swordnet.web.deps import principal_of
    from swordnet.web.replay import ReplayRecord, replay_app

    def allow(record: ReplayRecord, scope: Any) -> bool:
        principal = scope.get("state", {}).get("principal")
        if principal is None:
            return False
        with container.sessions() as session:
            return capture_visible_at(session, principal, record.warc_file, record.warc_offset)

    settings = container.settings
    replay = replay_app(settings.warc_dir, settings.home / "replay-index", allow)

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            with container.sessions() as session:
                principal = principal_of(Request(scope), session)
            scope = {**scope, "state": {**scope.get("state", {}), "principal": principal}}
        await replay(scope, receive, send)

    app.mount("/replay", guarded, name="replay")


def create_app(container: AppContext) -> FastAPI:
    """The web app and the API on ``container``'s settings, database and services."""
    settings = container.settings
    if settings.secret_key is None:
        raise ConfigurationError(
            "the web app signs its session cookies with secret_key, which is not set: put "
            "one of at least 32 random characters in swordnet.toml or SWORDNET_SECRET_KEY "
            '(python -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
    app = FastAPI(
        title="SwordNet API",
        version=__version__,
        description=(
            "Find pirated copies of protected works, prove it, get them taken down. "
            "Authenticate with `Authorization: Bearer swn_...` (an API token). Errors are "
            "RFC 9457 problem documents. Lists are paginated by `after` (the last id seen) "
            "and `limit`; calls that create things accept an `Idempotency-Key` header."
        ),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,  # no OAuth2 flows in the docs: no route to guard
    )
    app.state.container = container
    app.state.scoped_cache = ScopedCache(ttl_s=60.0)
    app.state.cookie_signer = URLSafeSerializer(
        settings.secret_key.get_secret_value(), salt="swordnet.session"
    )
    _install_error_handlers(app)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _mount_replay(app, container)
    for module in _router_modules(pages_package):
        app.include_router(module.router, include_in_schema=False)
    for module in _router_modules(api_package):
        app.include_router(module.router, prefix=API_PREFIX)
    app.add_middleware(
        BodyLimit,
        json_limit=settings.web.max_json_bytes,
        upload_limit=settings.web.max_upload_bytes,
    )
    app.add_middleware(SecurityHeaders)
    return app
