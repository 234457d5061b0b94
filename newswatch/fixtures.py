"""Saved responses in the fixture format (a body file plus a JSON sidecar) and a local HTTP
server that serves them, so that real spiders can crawl them offline.

Format: ``<dir>/<outlet>/<page_kind>/<name>.<ext>`` holds the body byte for byte and
``<name>.<ext>.json`` the sidecar: url, final_url, status, headers, fetched_at, outlet,
page_kind (and ``hand_written`` for pages no site served). The server answers
``GET /<host>/<path>?<query>`` with the fixture whose url is ``https://<host>/<path>?<query>``
(or http://), which is how the mirror download handler (newswatch/mirror.py) asks. Like a real
site it sends an ETag and answers a matching If-None-Match with 304 Not Modified.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


def fixture_etag(body: bytes) -> str:
    """The ETag a saved response is served with (by the fixture server and by replay): the
    same body, the same tag, so that a conditional request is answered 304 by either."""
    return f'"{hashlib.sha256(body).hexdigest()[:16]}"'


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
        etag = fixture_etag(body)
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


def fixture_server(
    index: dict[str, Fixture], host: str = "127.0.0.1", port: int = 0
) -> ThreadingHTTPServer:
    """An HTTP server bound to host:port (0: any free port), not yet serving, that answers
    from `index` (load_fixtures); raises OSError when it cannot listen there."""
    handler = type("FixtureHandler", (_Handler,), {"index": index})
    return ThreadingHTTPServer((host, port), handler)


def server_url(server: ThreadingHTTPServer) -> str:
    """The base URL of `server`, what NEWSWATCH_MIRROR is set to."""
    host, port = server.server_address[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


@contextmanager
def serve_fixtures(folders: Iterable[Path], port: int = 0) -> Iterator[str]:
    """Serve the fixtures below `folders` on 127.0.0.1, in a thread; yields the base URL."""
    server = fixture_server(load_fixtures(folders), port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_url(server)
    finally:
        server.shutdown()
        server.server_close()


DEMO_DIR = Path(__file__).parent / "demo"


# --- capture ------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^a-z0-9]+")
_EXTENSIONS = {
    "html": ".html",
    "xml": ".xml",
    "rss": ".xml",
    "atom": ".xml",
    "json": ".json",
    "plain": ".txt",
    "gzip": ".gz",
}


def fixture_name(url: str, content_type: str | None) -> str:
    """A file name for a saved response that cannot leave its folder whatever the URL holds:
    letters, digits and dashes from the URL's path, cut short, then a hash of the whole URL."""
    path = urlsplit(url).path
    slug = _UNSAFE.sub("-", path.lower()).strip("-")[-60:].strip("-") or "index"
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]
    kind = (content_type or "").split(";")[0].strip().lower()
    extension = next((ext for key, ext in _EXTENSIONS.items() if key in kind), ".bin")
    return f"{slug}-{digest}{extension}"


class FixtureRetention:
    """Keeps the newest `keep` fixtures of each folder (one outlet and page kind). A folder
    is scanned once, at its first save, for the fixtures already there (oldest first by their
    sidecar's time); after that the saves are counted in memory, so a save costs no scan."""

    def __init__(self, keep: int):
        self.keep = keep
        self._folders: dict[Path, dict[Path, None]] = {}  # body paths, oldest first

    def _scan(self, folder: Path) -> dict[Path, None]:
        sidecars = sorted(
            (p for p in folder.glob("*.json") if p.with_suffix("").is_file()),
            key=lambda p: p.stat().st_mtime_ns,
        )
        return dict.fromkeys(p.with_suffix("") for p in sidecars)

    def saved(self, path: Path) -> None:
        """`path` (a fixture's body) was just saved: it is the newest of its folder; the
        oldest beyond `keep` go, body and sidecar."""
        folder = path.parent
        if folder not in self._folders:
            self._folders[folder] = self._scan(folder)
        kept = self._folders[folder]
        kept.pop(path, None)
        kept[path] = None
        while len(kept) > self.keep:
            old = next(iter(kept))
            del kept[old]
            old.unlink(missing_ok=True)
            Path(f"{old}.json").unlink(missing_ok=True)


def save_fixture(
    folder: Path,
    *,
    url: str,
    final_url: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
    outlet: str,
    page_kind: str,
    fetched_at: str,
    retention: FixtureRetention | None = None,
) -> Path:
    """Save one response as a fixture under folder/<outlet>/<page_kind>/ (body written whole,
    then its sidecar); with `retention`, only the newest of that outlet and page kind stay.
    Returns the body's path."""
    safe_outlet = _UNSAFE.sub("-", outlet.lower()) or "unknown"
    safe_kind = _UNSAFE.sub("-", page_kind.lower()) or "page"
    target = folder / safe_outlet / safe_kind
    target.mkdir(parents=True, exist_ok=True)
    path = target / fixture_name(url, headers.get("Content-Type"))
    for data, destination in (
        (body, path),
        (
            json.dumps(
                {
                    "url": url,
                    "final_url": final_url,
                    "status": status,
                    "headers": headers,
                    "fetched_at": fetched_at,
                    "outlet": outlet,
                    "page_kind": page_kind,
                },
                ensure_ascii=False,
                indent=1,
            ).encode("utf-8"),
            Path(f"{path}.json"),
        ),
    ):
        tmp = destination.with_name(destination.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, destination)
    if retention is not None:
        retention.saved(path)
    return path
