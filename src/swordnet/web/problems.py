"""Errors as RFC 9457 problem documents (``application/problem+json``) for the API, and
as an error page for the browser; both say what went wrong and what to do next."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """One error. ``type`` names the kind of problem (``urn:swordnet:problem:<slug>``)."""

    type: str = Field(description="urn:swordnet:problem:<slug>")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Field errors of a malformed request: location and message."
    )


def problem(
    slug: str,
    title: str,
    status: int,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> Problem:
    return Problem(
        type=f"urn:swordnet:problem:{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors,
    )


# Declared on every API route so that the schema lists the error answers it can give.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": text}
    for status, text in (
        (400, "The request cannot be done as asked"),
        (401, "Not signed in, or the token is unknown, revoked or expired"),
        (403, "The role or the token's scopes do not allow this"),
        (404, "No such record, or not one the caller may see"),
        (409, "Conflicts with the current state"),
        (413, "The body is larger than allowed"),
        (422, "The request is malformed"),
    )
}
