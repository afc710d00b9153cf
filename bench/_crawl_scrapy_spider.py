"""The Scrapy baseline for bench/crawl.py: fetch and parse only (no capture, no matching).

Run by ``scrapy runspider`` in its own process; prints one JSON line with its figures.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response


class BenchSpider(scrapy.Spider):  # type: ignore[misc]
    name = "bench"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]
        self.allowed_host = urlsplit(start_url).netloc
        self.pages = 0
        self.started = time.perf_counter()

    def parse(self, response: Response) -> Iterator[Any]:
        self.pages += 1
        text = " ".join(response.xpath("//article//p/text()").getall())
        yield {"url": response.url, "chars": len(text)}
        for href in response.xpath("//a/@href").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc == self.allowed_host:
                yield scrapy.Request(url, callback=self.parse)

    def closed(self, reason: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(json.dumps({"pages": self.pages, "seconds": elapsed, "reason": reason}), flush=True)
