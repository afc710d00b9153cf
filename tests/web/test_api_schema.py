"""schemathesis against the live OpenAPI schema: every operation of ``/api/v1``, called
with generated requests as an administrator and as a platform (API tokens), on a seeded
campaign served by uvicorn on loopback. No answer may be a server error, and every answer
must be one the schema declares, in the shape it declares.

Bounded so that it stays a gate, not a fuzzing campaign: a few examples per operation,
derandomised (the same examples every run), no example database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from tests.web.stage import Stage, served, staged

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
EXAMPLES = {"admin": 8, "platform": 4}
BUDGET_S = 75.0  # the whole walk; operations past it are reported, not run


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    home: Path = tmp_path_factory.mktemp("schema") / "home"
    with staged(home, sign_in_everyone=False) as built:
        yield built


def test_every_operation_answers_as_its_schema_says(stage: Stage) -> None:
    started = time.monotonic()
    failures: list[str] = []
    skipped: list[str] = []
    ran = 0
    with served(stage.app) as base_url:
        for username, examples in EXAMPLES.items():
            auth = {"Authorization": f"Bearer {stage.tokens[username]}"}
            schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json", headers=auth)
            for result in schema.get_all_operations():
                operation = result.ok()
                label = f"{operation.method.upper()} {operation.path} as {username}"
                if time.monotonic() - started > BUDGET_S:
                    skipped.append(label)
                    continue

                @settings(
                    max_examples=examples,
                    deadline=None,
                    derandomize=True,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                @given(case=operation.as_strategy(headers=auth))
                def call(case: schemathesis.Case) -> None:
                    response = case.call(base_url=base_url, timeout=10)
                    assert response.status_code != 401, "the API token was not accepted"
                    case.validate_response(response, checks=CHECKS)

                try:
                    call()
                    ran += 1
                except (Exception, BaseExceptionGroup) as exc:  # every operation's failure
                    failures.append(f"{label}: {type(exc).__name__}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert ran > 0, "the schema lists no operation"
    assert not skipped, f"out of time budget ({BUDGET_S} s) before: {skipped}"
