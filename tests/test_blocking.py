"""Blocking told apart from a layout change: `blocked_reason` on refusals, challenge pages and
ordinary pages (hand-written examples shaped like Cloudflare's and plain refusals)."""

from __future__ import annotations

import pytest
from scrapy.http import Headers

from newswatch.blocking import blocked_reason

CF_CHALLENGE = (
    b"<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title>"
    b"<meta http-equiv='refresh' content='390'></head><body><div class='main-wrapper'>"
    b"<noscript>Enable JavaScript and cookies to continue</noscript></div>"
    b"<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'sputnikglobe.com'};"
    b"var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/"
    b"chl_page/v1';})();</script></body></html>"
)
CF_BLOCK = (
    b"<html><head><title>Attention Required! | Cloudflare</title></head><body>"
    b"<h1>Sorry, you have been blocked</h1></body></html>"
)
ARTICLE = (
    "<html><head><title>Peskov: just a moment... talks are not over</title></head><body>"
    "<article><p>\u0416\u0434\u0435\u043c. Just a moment... the Kremlin said.</p></article>"
    "</body></html>"
)


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (403, {"Server": "cloudflare", "cf-mitigated": "challenge"}, CF_CHALLENGE, "challenge"),
        (503, {"Server": "cloudflare"}, CF_CHALLENGE, "challenge"),
        (200, {}, CF_CHALLENGE, "challenge"),  # the challenge's own script gives it away
        (403, Headers({"Server": "cloudflare", "CF-RAY": "8f-AMS"}), CF_BLOCK, "challenge"),
        (200, {b"cf-mitigated": [b"challenge"]}, b"", "challenge"),
        (451, {"Server": "nginx"}, b"<h1>Unavailable For Legal Reasons</h1>", "HTTP 451"),
        (403, {"Server": "nginx"}, b"<h1>403 Forbidden</h1>", "HTTP 403"),
    ],
)
def test_refusals_and_challenges_are_blocking(status, headers, body, expected):
    reason = blocked_reason(status, headers, body)
    assert reason is not None and reason.startswith(expected), reason


def test_the_challenge_names_its_vendor():
    assert blocked_reason(503, {"server": "cloudflare"}, CF_CHALLENGE) == (
        "challenge page (cloudflare)"
    )


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, {"Server": "cloudflare", "CF-RAY": "8f-AMS"}, ARTICLE),  # an article via Cloudflare
        (200, {"Server": "nginx"}, ARTICLE.encode()),
        (503, {"Server": "nginx", "Retry-After": "5"}, b"<h1>Service Unavailable</h1>"),
        (404, {}, b"<h1>Not Found</h1>"),
        (500, {}, CF_BLOCK),  # a block page's title alone, on a server error: not a refusal
        (304, None, None),
    ],
)
def test_ordinary_pages_and_errors_are_not_blocking(status, headers, body):
    assert blocked_reason(status, headers, body) is None
