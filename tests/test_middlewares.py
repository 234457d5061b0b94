"""Downloader middlewares, unit by unit: back-off retries and Retry-After."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from newswatch.middlewares import BackoffRetryMiddleware, retry_delay


def test_retry_after_in_seconds_and_as_a_date_and_back_off_without_it():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert retry_delay(b"7", 1, 2.0, 300.0) == 7.0
    assert retry_delay("Sun, 22 Nov 2026 12:00:30 GMT", 1, 2.0, 300.0, now=now) == 30.0
    assert retry_delay("Sun, 22 Nov 2026 11:00:00 GMT", 1, 2.0, 300.0, now=now) == 0.0  # past
    assert [retry_delay(None, n, 2.0, 300.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert retry_delay(b"86400", 1, 2.0, 300.0) == 300.0  # capped
    assert retry_delay(b"soon", 2, 2.0, 300.0) == 4.0  # unreadable: back-off


def _middleware():
    crawler = get_crawler(settings_dict={"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE": 2.0})
    crawler.spider = Spider.from_crawler(crawler, name="test")  # retries are logged against it
    return BackoffRetryMiddleware.from_crawler(crawler), crawler


@pytest.fixture
def slept(mocker) -> list[float]:
    """The waits the middleware asks for, recorded instead of slept."""
    waits: list[float] = []

    async def fake_sleep(seconds):
        waits.append(seconds)

    mocker.patch("newswatch.middlewares.asyncio.sleep", fake_sleep)
    return waits


def test_a_429_is_retried_after_the_wait_the_server_asks(slept):
    middleware, crawler = _middleware()
    request = Request("https://www.unian.ua/a-12345678.html")
    response = Response(request.url, status=429, headers={"Retry-After": "5"}, request=request)
    retry = asyncio.run(middleware.process_response(request, response))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert slept == [5.0]
    assert crawler.stats.get_value("newswatch/retry/waited_s") == 5.0


def test_a_503_backs_off_and_gives_up_after_the_retries(slept):
    middleware, _ = _middleware()
    request = Request("https://www.unian.ua/a-12345678.html")
    for _ in range(3):
        response = Response(request.url, status=503, request=request)
        result = asyncio.run(middleware.process_response(request, response))
        if isinstance(result, Response):
            break
        request = result
    assert isinstance(result, Response) and result.status == 503  # given up: 2 retries
    assert slept == [2.0, 4.0]


def test_a_200_passes_untouched():
    middleware, _ = _middleware()
    request = Request("https://www.unian.ua/a-12345678.html")
    response = Response(request.url, status=200, request=request)
    assert asyncio.run(middleware.process_response(request, response)) is response


def test_the_mirror_fetches_locally_and_answers_under_the_site_url(mocker):
    """The local fetch is the site's request as far as anything above the handler can see: the
    response carries the site's URL and request, and the download latency (AutoThrottle's
    measure) is set on the site's request."""
    import asyncio

    from scrapy import Request
    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from newswatch.mirror import MirrorDownloadHandler

    fetched = []

    async def local_fetch(self, request):
        fetched.append(request.url)
        request.meta["download_latency"] = 0.25
        return HtmlResponse(request.url, body=b"<html></html>", request=request)

    mocker.patch.object(HTTP11DownloadHandler, "download_request", local_fetch)
    # No connection pool (it would install a Twisted reactor in the test process).
    mocker.patch.object(HTTP11DownloadHandler, "__init__", lambda self, crawler: None)
    crawler = get_crawler(settings_dict={"NEWSWATCH_MIRROR": "http://127.0.0.1:8000/"})
    handler = MirrorDownloadHandler(crawler)
    site = Request("https://www.unian.ua/politics/a-13219538.html?x=1")
    response = asyncio.run(handler.download_request(site))
    assert fetched == ["http://127.0.0.1:8000/www.unian.ua/politics/a-13219538.html?x=1"]
    assert response.url == site.url and response.request is site
    assert site.meta["download_latency"] == 0.25
