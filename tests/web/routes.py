"""Walking the app's routes for the gate tests: each route's declared policy, its path
filled with the ids of seeded rows (``{detection_id}`` gets a detection's id), a request
body that passes validation where the schema allows one, and a snapshot of the database
to prove that a refused call wrote nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, get_args, get_origin

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import Mount, Route
from tests.web.rows import Rows

from swordnet.services.access import ROW_MODELS
from swordnet.storage import models
from swordnet.web.deps import Public, Requires, SignedIn, route_policy

# Routes that declare no policy on purpose, each with the reason. Keep this list tiny.
EXEMPT = {
    "/static": "the style sheet, the scripts and the pictures of the pages",
    "/api/v1/openapi.json": "the API's own description (FastAPI's)",
    "/api/v1/docs": "the API's documentation page (FastAPI's)",
    "/replay": "captured pages; its allow hook checks each capture against detections.read",
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    policy: Requires | Public | SignedIn
    dependant: Dependant

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    @property
    def action(self) -> str | None:
        return self.policy.action if isinstance(self.policy, Requires) else None

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _routes(app: FastAPI) -> Iterator[tuple[str, Any, Any]]:
    """(full path, the route as declared, its effective dependant or None), through the
    routers the app includes (FastAPI keeps them nested)."""
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        path = context.path or getattr(original, "path", "")
        dependant = getattr(context, "dependant", None) if isinstance(original, APIRoute) else None
        yield path, original, dependant


def undeclared(app: FastAPI) -> list[str]:
    """The routes that declare no policy and are not exempt."""
    missing = []
    for path, route, dependant in _routes(app):
        if isinstance(route, APIRoute):
            if dependant is None or route_policy(dependant.dependencies) is None:
                missing.append(f"{sorted(route.methods)} {path}")
        elif isinstance(route, Mount | Route):
            if path not in EXEMPT:
                missing.append(f"{type(route).__name__} {path}")
        else:
            missing.append(f"{type(route).__name__} {path}")
    return missing


def endpoints(app: FastAPI) -> Iterator[Endpoint]:
    for path, route, dependant in _routes(app):
        if not isinstance(route, APIRoute) or dependant is None:
            continue
        policy = route_policy(dependant.dependencies)
        if policy is None:
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            yield Endpoint(path, method, policy, dependant)


def kind_of_param(name: str, rows: Rows) -> str | None:
    if name == "region_code":
        return "region"
    if name.endswith("_id") and name[:-3] in rows:
        return name[:-3]
    return None


def fill(endpoint: Endpoint, rows: Rows, side: str) -> str:
    """The route's path with each ``{<kind>_id}`` replaced by the side's row of that kind
    (unknown parameters get ``1``)."""

    def value(match: re.Match[str]) -> str:
        kind = kind_of_param(match.group(1), rows)
        return str(rows[kind][side]) if kind else "1"

    return _PARAM.sub(value, endpoint.path)


def scoped_kinds(endpoint: Endpoint, rows: Rows) -> list[str]:
    return [kind for name in endpoint.params if (kind := kind_of_param(name, rows))]


def listed_kind(endpoint: Endpoint) -> str | None:
    """The kind of row a parameterless listing shows, from its last path segment."""
    if endpoint.params or endpoint.method != "GET":
        return None
    segment = endpoint.path.rstrip("/").rsplit("/", 1)[-1].replace("-", "_")
    special = {"prewarning": "prewarning_list", "agencies": "agency", "audit": "audit"}
    for candidate in (special.get(segment), segment, segment[:-1]):
        if candidate and candidate in ROW_KINDS:
            return candidate
    return None


ROW_KINDS = frozenset(ROW_MODELS)


# --- request bodies ---------------------------------------------------------------------


def _example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return _example(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _example(options[0], defs)
    if "allOf" in schema:
        return _example(schema["allOf"][0], defs)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(props[name], defs) for name in schema.get("required", [])}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_example(schema.get("items", {}), defs) for _ in range(max(count, 1))]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(max(schema.get("minimum", 1), 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format", "")
        by_format = {
            "email": "someone@example.org",
            "uri": "https://example.org/",
            "date": date.today().isoformat(),
            "date-time": datetime.now().astimezone().isoformat(),
        }
        if fmt in by_format:
            return by_format[fmt]
        return "x" * max(int(schema.get("minLength", 1)), 1)
    return "x"


def example_of(annotation: Any) -> Any:
    schema = TypeAdapter(annotation).json_schema()
    return _example(schema, schema.get("$defs", {}))


def _form_value(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is not None:
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _form_value(args[0]) if args else "x"
    return {int: "1", float: "1", bool: "false"}.get(annotation, "x")


def request_body(endpoint: Endpoint) -> dict[str, Any]:
    """Keyword arguments for the client: a JSON body, or form fields and files."""
    params = endpoint.dependant.body_params
    if not params:
        return {}
    files: dict[str, Any] = {}
    data: dict[str, Any] = {}
    json_body: dict[str, Any] = {}
    for param in params:
        info = param.field_info
        annotation = info.annotation
        kind = type(info).__name__
        if kind == "File":
            files[param.alias] = ("sample.txt", b"sample", "text/plain")
        elif kind == "Form":
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                data.update({k: str(v) for k, v in example_of(annotation).items()})
            else:
                data[param.alias] = _form_value(annotation)
        else:
            json_body[param.alias] = example_of(annotation)
    if files or data:
        return {"data": data, **({"files": files} if files else {})}
    if len(params) == 1 and not params[0].field_info.embed:
        return {"json": json_body[params[0].alias]}
    return {"json": json_body}


# --- what the database holds ----------------------------------------------------------

_MUTABLE = (
    models.Detection.status,
    models.Notice.status,
    models.NoticeItem.status,
    models.Case.status,
    models.Case.referred_agency_id,
    models.MonitoringTarget.enabled,
    models.PrewarningRecipient.acknowledged_at,
    models.CounterNotice.contested,
    models.User.active,
    models.User.role,
    models.ApiToken.revoked_at,
    models.Platform.name,
    models.RightsHolder.name,
    models.Work.title,
)


def snapshot(sessions: sessionmaker[Session]) -> tuple[Any, ...]:
    """Every table's row count and the state of the columns refused calls might change."""
    tables = models.Base.metadata.sorted_tables
    counts = select(
        *[select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    )
    with sessions() as session:
        state: list[Any] = list(session.execute(counts).one())
        for column in _MUTABLE:
            table = column.class_
            state.append(tuple(session.execute(select(table.id, column).order_by(table.id))))
    return tuple(state)
