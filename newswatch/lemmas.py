"""Lemmas and dictionary words (simplemma), with its dictionaries kept decoded on disk.

simplemma ships each language's dictionary compressed and front-coded; decoding one takes about
half a second, and every crawl (a process of its own) paid it again for each language it met.
The decoded dictionary is kept in the cache folder (NEWSWATCH_CACHE, else
$XDG_CACHE_HOME/newswatch, else ~/.cache/newswatch) as a hash table file (`LemmaTable`), named
by simplemma's version, which each process maps into memory and reads in place: opening it
costs nothing, and a word looked up about a microsecond. (Read back whole into a dict, as this
cache was before, the three languages' 2.1 million words cost every crawl process and its
writer 0.4 s of CPU and 160-180 MB of memory each; a crawl of 2,000 articles looks up some 18,000
words.) A missing, stale or unreadable cache file is rebuilt from simplemma's own; an
unwritable cache folder only means no cache (the decoded dict is used as it is). Written to a
temporary file and renamed, so a killed process never leaves half a file.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import struct
import tempfile
import zlib
from array import array
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import simplemma
from simplemma import Lemmatizer
from simplemma.language_detector import LanguageDetector
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    CachingDictionaryFactory,
    DecodedStrMapping,
    MappingStrToByteString,
    _load_dictionary_from_disk,
)
from simplemma.utils import normalize_token

logger = logging.getLogger(__name__)


def cache_dir() -> Path:
    explicit = os.environ.get("NEWSWATCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newswatch"


class BrokenLemmaTable(ValueError):
    """A lemma table whose header looked whole but whose body is not (a damaged file)."""


class LemmaTable(DecodedStrMapping):
    """A dictionary of simplemma's (str -> str) read in place from a hash table file.

    The file: a header (`_HEADER`: a magic string, a marker of the machine's byte order, the
    number of slots, a power of two at least twice the number of words, and the file's size);
    the slots, each the offset of an entry or 0 (empty); then the entries, each the lengths of
    its key and value (`_ENTRY`) and their UTF-8 bytes. A key is looked for from slot
    crc32(key) on, one slot after the other, until it or an empty slot is found.

    A file damaged inside (an offset out of the entries, a slot search that never meets an
    empty slot, bytes that are not UTF-8) is found at the lookup that meets the damage: the
    file is removed, so that the next process writes it again, and this table answers from
    `rebuild()` (simplemma's own dictionary) from then on, so no lookup answers wrong or hangs.
    """

    __slots__ = ("_data", "_slots", "_mask", "_count", "_entries", "_path", "_rebuild", "_whole")

    _HEADER = struct.Struct("=8sIIIQ")
    _MAGIC = b"NWLEMMA1"
    _BYTE_ORDER = 0x01020304
    _ENTRY = struct.Struct("=HH")

    def __init__(self, data, path: Path | None = None, rebuild=None) -> None:
        """`data`: the file's bytes (or a map of them); `path`, the file; `rebuild`, what
        gives the dictionary when the file proves damaged. ValueError when `data` is not a
        whole table written on a machine of this byte order."""
        header = self._HEADER
        if len(data) < header.size:
            raise ValueError("not a lemma table")
        magic, order, slots, count, size = header.unpack_from(data)
        if (
            magic != self._MAGIC
            or order != self._BYTE_ORDER
            or size != len(data)
            or slots < 8
            or slots & (slots - 1)
            or 2 * count > slots
            or header.size + 4 * slots > size
        ):
            raise ValueError("not a lemma table, or not a whole one")
        self._data = data
        self._slots = memoryview(data)[header.size : header.size + 4 * slots].cast("I")
        self._mask = slots - 1
        self._count = count
        self._entries = header.size + 4 * slots  # where the entries begin
        self._path = path
        self._rebuild = rebuild
        self._whole: DecodedStrMapping | None = None  # the rebuilt dictionary, once damaged

    @classmethod
    def open(cls, path: Path, rebuild=None) -> LemmaTable:
        """The table in the file at `path`, mapped into memory (OSError, ValueError)."""
        with open(path, "rb") as file:
            return cls(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ), path, rebuild)

    @classmethod
    def write(cls, dictionary: dict[bytes, bytes], path: Path) -> None:
        """Write `dictionary` (simplemma's decoded bytes -> bytes) as a table at `path`, on the
        disk before this returns (ValueError for a dictionary a table cannot hold)."""
        count = len(dictionary)
        slots = 1 << max(3, (2 * count - 1).bit_length())
        mask = slots - 1
        table = array("I", bytes(4 * slots))
        entries = bytearray()
        start = cls._HEADER.size + 4 * slots
        for key, value in dictionary.items():
            if len(key) > 0xFFFF or len(value) > 0xFFFF:
                raise ValueError("a word too long for a lemma table")
            slot = zlib.crc32(key) & mask
            while table[slot]:
                slot = (slot + 1) & mask
            table[slot] = start + len(entries)
            entries += cls._ENTRY.pack(len(key), len(value))
            entries += key
            entries += value
        size = start + len(entries)
        if size >= 2**32:
            raise ValueError("a dictionary too large for a lemma table")
        with open(path, "wb") as out:
            out.write(cls._HEADER.pack(cls._MAGIC, cls._BYTE_ORDER, slots, count, size))
            out.write(table.tobytes())
            out.write(entries)
            out.flush()
            os.fsync(out.fileno())  # whole on the disk before it is renamed into place

    def _find(self, key: bytes) -> int | None:
        """Where the entry of `key` begins, or None (BrokenLemmaTable: see the class)."""
        data, slots, mask, entry = self._data, self._slots, self._mask, self._ENTRY
        first, last = self._entries, len(data) - entry.size
        length = len(key)
        slot = zlib.crc32(key) & mask
        for _ in range(mask + 1):  # a whole table has empty slots: a search ends before
            at = slots[slot]
            if not at:
                return None
            if not first <= at <= last:
                raise BrokenLemmaTable(f"an entry at {at}, outside the entries")
            key_length, _ = entry.unpack_from(data, at)
            start = at + entry.size
            if key_length == length and data[start : start + length] == key:
                return at
            slot = (slot + 1) & mask
        raise BrokenLemmaTable("no empty slot")

    def _entry(self, at: int) -> tuple[bytes, bytes]:
        key_length, value_length = self._ENTRY.unpack_from(self._data, at)
        start = at + self._ENTRY.size
        middle = start + key_length
        end = middle + value_length
        if end > len(self._data):
            raise BrokenLemmaTable(f"the entry at {at} runs past the end")
        return self._data[start:middle], self._data[middle:end]

    def _lookup(self, key: str) -> str | None:
        if self._whole is not None:
            return self._whole.get(key)
        try:
            at = self._find(key.encode())
            return None if at is None else self._entry(at)[1].decode()
        except (BrokenLemmaTable, UnicodeDecodeError) as error:
            return self._damaged(error).get(key)

    def _damaged(self, error: Exception) -> DecodedStrMapping:
        """Give up the damaged file (see the class); the dictionary to answer from."""
        if self._rebuild is None:
            raise BrokenLemmaTable(f"a damaged lemma table: {error}") from error
        logger.warning("the lemma table %s is damaged (%s): written again", self._path, error)
        if self._path is not None:
            with contextlib.suppress(OSError):
                self._path.unlink()
        self._whole = self._rebuild()
        return self._whole

    def __iter__(self) -> Iterator[str]:
        if self._whole is not None:
            yield from self._whole
            return
        for at in self._slots:
            if at:
                yield self._entry(at)[0].decode()

    def __len__(self) -> int:
        return len(self._whole) if self._whole is not None else self._count


class DecodedCacheDictionaryFactory(CachingDictionaryFactory):
    """simplemma's dictionaries, read from the decoded copy in the cache folder when there is
    one (see the module)."""

    def _get_dictionary_uncached(self, lang: str) -> DecodedStrMapping:
        return self.decoded(lang)

    @staticmethod
    def decoded(lang: str) -> DecodedStrMapping:
        """`lang`'s dictionary: its table in the cache folder, written first if it is not
        there whole; the decoded dict itself when no table can be written."""
        path = cache_dir() / f"simplemma-{simplemma.__version__}-{lang}.table"

        def rebuild() -> DecodedStrMapping:  # simplemma's own, when the file proves damaged
            return MappingStrToByteString(_load_dictionary_from_disk(lang))

        try:
            return LemmaTable.open(path, rebuild)
        except (OSError, ValueError):
            pass
        data = _load_dictionary_from_disk(lang)  # raises ValueError for an unknown language
        written = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
                written = out.name
            LemmaTable.write(data, Path(written))
            os.chmod(written, 0o644)  # readable as simplemma's own files are
            os.replace(written, path)
            return LemmaTable.open(path, rebuild)
        except (OSError, ValueError):
            if written is not None:
                Path(written).unlink(missing_ok=True)
        return MappingStrToByteString(data)


DICTIONARIES = DecodedCacheDictionaryFactory()
_STRATEGY = DefaultStrategy(dictionary_factory=DICTIONARIES)
_LEMMATIZER = Lemmatizer(lemmatization_strategy=_STRATEGY)
_LOOKUP = DictionaryLookupStrategy(DICTIONARIES)


@lru_cache(maxsize=200_000)
def lemma(word: str, language: str) -> str:
    """The lower-case lemma of `word` in `language` (the word itself if no dictionary knows it)."""
    lower = word.lower()
    try:
        return _LEMMATIZER.lemmatize(lower, lang=language).lower()
    except ValueError:
        return lower


@lru_cache(maxsize=100_000)
def is_known(word: str, language: str) -> bool:
    """Whether `language`'s dictionary has the word (lower case). Asked of the same words
    again and again (the names of every article, the words it stems), so remembered."""
    try:
        return _LOOKUP.get_lemma(normalize_token(word), language) is not None
    except ValueError:
        return False


def share_known(text: str, language: str) -> float:
    """The share of `text`'s most common words that `language`'s dictionary knows."""
    return LanguageDetector(
        language, lemmatization_strategy=_STRATEGY
    ).proportion_in_target_languages(text)
