"""The app uvicorn serves for the web benchmark (``uvicorn --factory _web_serve:app``).

Settings come from the environment (``SWORDNET_DATABASE_URL``, ``SWORDNET_SECRET_KEY``,
``SWORDNET_HOME``), as ``swordnet serve`` reads them. While the API has no export route
yet, ``SWORDNET_BENCH_STANDIN=1`` adds ``/bench/export``: the visible detections through
``api.common.stream_ndjson``, the helper the real export is to use.
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Depends, FastAPI, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy import select

from swordnet.bootstrap import bootstrap
from swordnet.services.access import Principal, visible
from swordnet.settings import load_settings
from swordnet.storage import models
from swordnet.web.api.common import stream_ndjson
from swordnet.web.app import create_app
from swordnet.web.deps import requires


class DetectionLine(BaseModel):
    id: int
    work_id: int
    platform_id: int | None
    region_code: str | None
    url: str
    modality: str
    score: float
    status: str


def app() -> FastAPI:
    container = bootstrap(load_settings())
    web = create_app(container)
    if os.environ.get("SWORDNET_BENCH_STANDIN") == "1":

        @web.get("/bench/export")
        def export(
            principal: Annotated[Principal, Depends(requires("detections.read"))],
            limit: Annotated[int, Query(ge=1)] = 100_000,
        ) -> StreamingResponse:
            stmt = visible(select(models.Detection), principal, "detections.read", "detection")
            return stream_ndjson(
                container.sessions,
                stmt.order_by(models.Detection.id.desc()).limit(limit),
                lambda d: DetectionLine(
                    id=d.id,
                    work_id=d.work_id,
                    platform_id=d.platform_id,
                    region_code=d.region_code,
                    url=d.url,
                    modality=d.modality,
                    score=d.score,
                    status=d.status.value,
                ),
            )

    return web
