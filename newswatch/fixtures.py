"""Saved responses in the fixture format (a body file plus a JSON sidecar) and a local HTTP
server that serves them, so that real spiders can crawl them offline.

Format: ``<dir>/<outlet>/<page_kind>/<name>.<ext>`` holds the body byte for byte and
``<name>.<ext>.json`` the sidecar: url, final_url, status, headers, fetched_at, outlet,
page_kind (and ``hand_written`` for pages no site served). The server answers
``GET /<host>/<path>?<query>`` with the fixture whose url is ``https://<host>/<path>?<query>``
(or http://), which is how MirrorMiddleware asks. Like a real site it sends an ETag and answers
a matching If-None-Match with 304 Not Modified.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass(frozen=True)
class Fixture:
    body_path: Path
    url: str
    status: int
    headers: dict[str, str]
    outlet: str | None
    page_kind: str | None

    @property
    def body(self) -> bytes:
        return self.body_path.read_bytes()


def load_fixtures(folders: Iterable[Path]) -> dict[str, Fixture]:
    """Every fixture below `folders`, by its URL."""
    index: dict[str, Fixture] = {}
    for folder in folders:
        for sidecar in sorted(Path(folder).rglob("*.json")):
            body = sidecar.with_suffix("")
            if not body.is_file():
                continue
            try:
                meta = json.loads(sidecar.read_text(encoding="utf-8"))
                url = meta["url"]
            except (ValueError, KeyError, TypeError):
                continue
            index[url] = Fixture(
                body,
                url,
                int(meta.get("status", 200)),
                dict(meta.get("headers") or {}),
                meta.get("outlet"),
                meta.get("page_kind"),
            )
    return index


class _Handler(BaseHTTPRequestHandler):
    index: dict[str, Fixture] = {}

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        fixture = None
        for scheme in ("https", "http"):
            fixture = self.index.get(f"{scheme}:/{self.path}")
            if fixture:
                break
        if fixture is None:
            self.send_error(404, "no fixture for this URL")
            return
        body = fixture.body
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if fixture.status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(fixture.status)
        self.send_header("ETag", etag)
        for name, value in fixture.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "content-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # quiet
        return


@contextmanager
def serve_fixtures(folders: Iterable[Path], port: int = 0) -> Iterator[str]:
    """Serve the fixtures below `folders` on 127.0.0.1; yields the base URL."""
    handler = type("FixtureHandler", (_Handler,), {"index": load_fixtures(folders)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


DEMO_DIR = Path(__file__).parent / "demo"
