"""Lemmas and dictionary words (simplemma), with its dictionaries kept decoded on disk.

simplemma ships each language's dictionary compressed and front-coded; decoding one takes about
half a second, and every crawl (a process of its own) paid it again for each language it met.
The decoded dictionary is kept as a marshal file in the cache folder (NEWSWATCH_CACHE, else
$XDG_CACHE_HOME/newswatch, else ~/.cache/newswatch), named by simplemma's version, and read back
in about a seventh of the time. A missing, stale or unreadable cache file is rebuilt from
simplemma's own; an unwritable cache folder only means no cache. Written to a temporary file
and renamed, so a killed process never leaves half a file.
"""

from __future__ import annotations

import marshal
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import simplemma
from simplemma import Lemmatizer
from simplemma.language_detector import LanguageDetector
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import (
    CachingDictionaryFactory,
    MappingStrToByteString,
    _load_dictionary_from_disk,
)
from simplemma.utils import normalize_token


def cache_dir() -> Path:
    explicit = os.environ.get("NEWSWATCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "newswatch"


class DecodedCacheDictionaryFactory(CachingDictionaryFactory):
    """simplemma's dictionaries, read from the decoded copy in the cache folder when there is
    one (see the module)."""

    def _get_dictionary_uncached(self, lang: str) -> MappingStrToByteString:
        return MappingStrToByteString(self.decoded(lang))

    @staticmethod
    def decoded(lang: str) -> dict[bytes, bytes]:
        path = cache_dir() / f"simplemma-{simplemma.__version__}-{lang}.marshal"
        try:
            data = marshal.loads(path.read_bytes())
            if isinstance(data, dict):
                return data
        except (OSError, ValueError, EOFError, TypeError):
            pass
        data = _load_dictionary_from_disk(lang)  # raises ValueError for an unknown language
        written = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
                written = out.name
                out.write(marshal.dumps(data))
            os.chmod(written, 0o644)  # readable as simplemma's own files are
            os.replace(written, path)
        except OSError:
            if written is not None:
                Path(written).unlink(missing_ok=True)
        return data


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
