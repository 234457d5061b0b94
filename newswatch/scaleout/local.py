"""The store's writer in a process of its own, on one machine (`newswatch crawl --writer process`).

A crawl fetches, extracts and scores the topic in its process; storing (de-duplication, story
linking, the full-text index: `newswatch.store.batch.write_batch`) runs in a child process, so
that the two halves use both cores of a small machine. No Redis: the child is fed over a pipe.

**How the child is started.** `python -m newswatch.scaleout.local DB_PATH`, with its stdin and
stdout as the two pipes; not `multiprocessing`. Its `spawn` and `forkserver` contexts start the
child by importing the parent's `__main__` again (Scrapy's or newswatch's command line, or
pytest's) and bring a Process/Connection machinery nothing here needs; `fork` would copy a
process running Twisted's reactor and threads. A plain child is simple to reason about: it
holds the only read end of its stdin, so however the crawl ends (normally, SIGTERM, SIGKILL,
out of memory) the child sees end-of-file, commits the batches it has received whole, and
exits; `ps` shows it for what it is; its stderr is the crawl's. It ignores SIGINT and SIGTERM:
a Ctrl-C in a terminal or the daemon's SIGTERM reaches the whole process group, and the crawl,
stopping gracefully, still sends its last batches; the child goes when its stdin closes.

**What travels.** Frames of a 4-byte big-endian length and a pickle. The parent sends
`(batch number, [(article, seen_at), ...])`, Article dataclasses pickled as they are: 13 µs
an article encoded and decoded, against 45 µs for article_to_json and JSON, 15 µs for marshal
(the replay's generated articles; storing one costs some 3,000 µs, so the choice hardly
matters). Both ends are this interpreter and this code, started by the crawl, so pickle is
safe here, unlike on a queue other machines write to. The child answers
`("written", batch number, [(outcome, changed fields), ...])`: per article its outcome from
write_batch ("new", "updated", "unchanged", or an error as `("error", sqlite?, type, message)`)
and the fields saving set on the article (`id` for an edited slug, `content_hash`,
`duplicate_of`, `story_id`, ...), which the crawl sets on its own copy of the item before
StorePipeline's `_settle` counts it. A child that cannot open the store answers only
`("failed", message)`, and exits. The last frame before it exits is `("closed", CPU seconds it
used, its peak memory in bytes)`, which the crawl's stats keep (newswatch/writer/cpu_s: how
the work splits between the two processes; newswatch/writer/peak_memory_mb).
"""

from __future__ import annotations

import asyncio
import builtins
import os
import pickle
import resource
import signal
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from newswatch.items import Article

FRAME = struct.Struct("!I")
Outcome = str | Exception
Answer = tuple[Any, dict[str, Any]]


def encode(message: Any) -> bytes:
    """One frame: the pickled message after its length."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return FRAME.pack(len(payload)) + payload


def read_frames(stream: BinaryIO) -> Iterator[Any]:
    """The messages on `stream` until its end; a frame cut short by the sender's death is not
    one."""
    while len(header := stream.read(FRAME.size)) == FRAME.size:
        (size,) = FRAME.unpack(header)
        payload = stream.read(size)
        if len(payload) < size:
            return
        yield pickle.loads(payload)


# --- the child ------------------------------------------------------------------------------


def outcome_message(outcome: Outcome) -> Any:
    """An outcome as it travels: the word, or the error's kind, type and message (an exception
    of any class is not safe to pickle: one whose __init__ takes other arguments cannot be
    unpickled)."""
    if isinstance(outcome, Exception):
        return ("error", isinstance(outcome, sqlite3.Error), type(outcome).__name__, str(outcome))
    return outcome


def outcome_from_message(message: Any) -> Outcome:
    """The outcome `outcome_message` sent: a sqlite3 error as the sqlite3 class of that name
    (StorePipeline stops the crawl on it), a built-in exception as itself, anything else as a
    WriterFault naming its type (counted lost, as any other fault of newswatch's own)."""
    if isinstance(message, str):
        return message
    _, from_sqlite, name, text = message
    if from_sqlite:
        kind = getattr(sqlite3, name, None)
        if not (isinstance(kind, type) and issubclass(kind, sqlite3.Error)):
            kind = sqlite3.Error
        return kind(text)
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(text)
        except Exception:  # a built-in that wants other arguments
            pass
    return WriterFault(f"{name}: {text}")


class WriterFault(RuntimeError):
    """An error of a class the crawl's process cannot rebuild, raised while saving in the
    writer process."""


def write_articles(db, batch: list[tuple[Article, str]]) -> list[Answer]:
    """write_batch, with per article what travels back: its outcome and the fields saving gave
    it a new value (compared by identity: saving sets a field by assigning it)."""
    from newswatch.store.batch import write_batch

    before = [dict(vars(article)) for article, _ in batch]
    outcomes = write_batch(db, batch)
    return [
        (
            outcome_message(outcome),
            {k: v for k, v in vars(article).items() if old.get(k, _MISSING) is not v},
        )
        for (article, _), old, outcome in zip(batch, before, outcomes, strict=True)
    ]


_MISSING = object()


def serve(db_path: str, requests: BinaryIO, answers: BinaryIO) -> int:
    """The child's loop: open the store, then write each batch that arrives and answer it,
    until `requests` ends. The crawl gone (its end of `answers` closed), the batches still
    arriving whole are written all the same: the crawl sent them, they are committed, and the
    next crawl finds them stored."""
    from newswatch.store import StoreError, cache_for_writing, open_store

    def answer(message) -> bool:
        try:
            answers.write(encode(message))
            answers.flush()
        except BrokenPipeError:
            return False
        return True

    try:
        db = open_store(db_path)
    except StoreError as error:
        answer(("failed", str(error)))
        return 1
    cache_for_writing(db)
    try:
        answering = True
        for number, batch in read_frames(requests):
            written = write_articles(db, batch)
            answering = answering and answer(("written", number, written))
    finally:
        db.close()
    if answering:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        answer(("closed", usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024))
    return 0


def main(argv: list[str] | None = None) -> int:
    (db_path,) = sys.argv[1:] if argv is None else argv
    # The crawl decides when this process stops (see the module's documentation).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # Answers go on a private copy of stdout; anything a library prints goes to stderr instead
    # of into the frames.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return serve(db_path, sys.stdin.buffer, answers)


# --- the crawl's side -----------------------------------------------------------------------


class WriterGone(RuntimeError):
    """The writer process ended before it answered: what it was sent is not known to be
    stored."""


class LocalWriter:
    """The crawl's handle on its writer process: `send` a batch, get a future of its outcomes.

    Pipes are read and written by the crawl's own asyncio loop (the reactor's), so the crawl
    never blocks on the child: a batch is queued in the pipe's transport, answers arrive as
    the loop reads them. When the child ends on its own (killed, crashed), every batch not
    answered fails with WriterGone and `on_gone` is called once with one line saying so; the
    child is reaped (no zombie)."""

    def __init__(self, db_path: Path, on_gone: Callable[[str], None] | None = None):
        self.db_path = Path(db_path)
        self.on_gone = on_gone
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None
        self.waiting: dict[int, tuple[asyncio.Future, list[Article]]] = {}
        self.numbers = 0
        self.closing = False
        self.gone: str | None = None
        self.cpu_seconds: float | None = None  # the child's, told when it closes
        self.peak_memory: int | None = None  # bytes, the same
        self.exited: asyncio.Future | None = None
        self._requests: asyncio.WriteTransport | None = None

    async def start(self) -> None:
        """Start the child. Not waiting for it to open the store: the crawl starts meanwhile,
        and batches sent before then wait in the pipe. If it cannot open the store, every
        batch fails with WriterGone and `on_gone` is told why (the StoreError's message)."""
        loop = asyncio.get_running_loop()
        self.exited = loop.create_future()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "newswatch.scaleout.local", str(self.db_path.resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=_child_environment(),
        )
        self.pid = self.process.pid
        self._requests, _ = await loop.connect_write_pipe(asyncio.Protocol, self.process.stdin)
        await loop.connect_read_pipe(lambda: _Answers(self), self.process.stdout)

    def send(self, batch: list[tuple[Article, str]]) -> asyncio.Future:
        """Queue `batch` for the child; the future gives its outcomes (one per article, with
        the fields saving set already set on each article), or fails with WriterGone."""
        done = asyncio.get_running_loop().create_future()
        if self.gone is not None or self._requests is None or self._requests.is_closing():
            done.set_exception(WriterGone(self.gone or "the store's writer process is closed"))
            return done
        self.numbers += 1
        self.waiting[self.numbers] = (done, [article for article, _ in batch])
        self._requests.write(encode((self.numbers, batch)))
        return done

    async def close(self) -> None:
        """No more batches: the child writes what it has, answers, and exits; wait for that."""
        self.closing = True
        if self._requests is not None and not self._requests.is_closing():
            self._requests.close()
        if self.exited is not None:
            await self.exited

    def _received(self, message: Any) -> None:
        kind = message[0]
        if kind == "failed":
            self.gone = message[1]
        elif kind == "closed":
            _, self.cpu_seconds, self.peak_memory = message
        elif kind == "written":
            _, number, answers = message
            done, articles = self.waiting.pop(number)
            outcomes = []
            for article, (outcome, changed) in zip(articles, answers, strict=True):
                for name, value in changed.items():
                    setattr(article, name, value)
                outcomes.append(outcome_from_message(outcome))
            if not done.done():
                done.set_result(outcomes)

    def _ended(self) -> None:
        """The child closed its answers: it has exited, or is about to. Reap it, then settle
        whatever it left unanswered."""
        status = self.process.poll()
        if status is None:
            asyncio.get_running_loop().call_later(0.01, self._ended)
            return
        if self.gone is None and (status != 0 or self.waiting or not self.closing):
            how = (
                f"killed by {signal.Signals(-status).name}"
                if status < 0
                else f"exit status {status}"
            )
            self.gone = (
                f"the store's writer process (pid {self.pid}) died ({how}); "
                "the articles it had not stored stay pending for the next crawl"
            )
        error = WriterGone(self.gone or "the store's writer process has exited")
        for done, _ in self.waiting.values():
            if not done.done():
                done.set_exception(error)
        self.waiting.clear()
        if self._requests is not None and not self._requests.is_closing():
            self._requests.abort()
        self.exited.set_result(status)
        if self.gone is not None and self.on_gone is not None:
            self.on_gone(self.gone)


def _child_environment() -> dict[str, str]:
    """The crawl's environment, with this newswatch first on the path: the child imports the
    same code whatever the crawl's working directory."""
    here = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (here, path)))}


class _Answers(asyncio.Protocol):
    """Reads the child's frames as they arrive."""

    def __init__(self, writer: LocalWriter):
        self.writer = writer
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= FRAME.size:
            (size,) = FRAME.unpack_from(self.buffer)
            if len(self.buffer) < FRAME.size + size:
                return
            message = pickle.loads(self.buffer[FRAME.size : FRAME.size + size])
            del self.buffer[: FRAME.size + size]
            self.writer._received(message)

    def connection_lost(self, exc: Exception | None) -> None:
        self.writer._ended()


if __name__ == "__main__":
    sys.exit(main())
