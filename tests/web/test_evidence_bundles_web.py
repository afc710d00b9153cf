"""Evidence bundles in the web app: the detection page links its bundle, the API answers
a ZIP the standalone verifier accepts, and a scoped user never gets another region's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.conftest import sign_in
from tests.web.stage import Stage, staged

from swordnet.services import bundles, ledger
from swordnet.services.ledger import evidence
from swordnet.storage import models


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    with staged(tmp_path_factory.mktemp("bundles") / "home", sign_in_everyone=False) as built:
        yield built


def _detection_with_evidence(stage: Stage) -> int:
    """The seeded detection, its leaf written as ``record_detection`` writes it."""
    detection_id = int(stage.rows["detection"]["gd"])
    with stage.container.sessions() as session, session.begin():
        if not ledger.leaves_for(session, evidence.DETECTION, detection_id):
            detection = session.get_one(models.Detection, detection_id)
            ledger.record(session, evidence.DETECTION, evidence.detection_record(detection, 1))
    return detection_id


def test_the_api_answers_a_bundle_that_verifies(stage: Stage, tmp_path: Path) -> None:
    detection_id = _detection_with_evidence(stage)
    answer = stage.bearer("admin").get(f"/api/v1/detections/{detection_id}/evidence-bundle")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/zip"
    assert f"evidence-detection-{detection_id}.zip" in answer.headers["content-disposition"]
    saved = tmp_path / "bundle.zip"
    saved.write_bytes(answer.content)
    ok, lines = bundles.verify_bundle(saved, quiet=True)
    assert ok, "\n".join(lines)


def test_the_detection_page_links_its_bundle(stage: Stage) -> None:
    detection_id = _detection_with_evidence(stage)
    client = sign_in(stage.app, stage.campaign.people["admin"])
    page = client.get(f"/detections/{detection_id}")
    assert f'href="/detections/{detection_id}/evidence-bundle"' in page.text
    download = client.get(f"/detections/{detection_id}/evidence-bundle")
    assert download.status_code == 200
    assert download.content[:2] == b"PK"


def test_a_row_without_evidence_is_refused_not_crashed(stage: Stage) -> None:
    answer = stage.bearer("admin").get("/api/v1/cases/999999/evidence-bundle")
    assert answer.status_code == 404
