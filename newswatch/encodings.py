"""Bytes to text for files whose encoding nobody declared (seed files, saved pages), and for
pages whose declared charset is wrong.

UTF-8 is the rule; windows-1251 exists on these outlets and is accepted only when the bytes
read as plausible Cyrillic text in it, so that a binary file or some other code page is refused
with a reason instead of being imported as mojibake. A crawl and `newswatch extract` both check
a page's declared charset with `decode_page`.
"""

from __future__ import annotations

import codecs
import re

# Non-ASCII characters that Cyrillic text in windows-1251 is made of: letters and typography.
_CP1251_TYPOGRAPHY = frozenset("«»—–“”„‘’…№\u00a0•°±§©®™")


_WORD = re.compile(r"\w+")
_INNER_CAPITAL = re.compile(r"[а-яёіїєґ][А-ЯЁІЇЄҐ]")


# Charsets in which any bytes decode without error (into mojibake, when they are UTF-8), by
# their codec names: Scrapy and w3lib report `cp1251` and `iso8859-5`, a page says
# `windows-1251` and `ISO-8859-5`.
SINGLE_BYTE_CODECS = frozenset(
    codecs.lookup(name).name
    for name in ("windows-1251", "windows-1252", "iso-8859-1", "iso-8859-5", "koi8-r", "koi8-u")
)


def codec_name(name: str | None) -> str | None:
    """The codec name Python knows charset `name` by (windows-1251 -> cp1251); None if none."""
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None


class EncodingError(ValueError):
    """The bytes are not text newswatch can read; the message says why."""


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for `data`: UTF-8 (with or without BOM), UTF-16 with a BOM,
    or windows-1251 when the bytes are not UTF-8 but read as Cyrillic text in it."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _strict(data, "utf-32"), "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    nul = data.find(b"\x00")
    if nul >= 0:
        raise EncodingError(f"binary data (a NUL byte at offset {nul})")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        text = _as_cp1251(data)
        if text is None:
            raise EncodingError(
                f"not UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}) "
                "and not readable as windows-1251 Cyrillic either"
            ) from None
        return text, "windows-1251"


def decode_page(body: bytes, declared: str | None, text: str) -> tuple[str, str | None]:
    """The text of a page whose bytes `body` were decoded as charset `declared` into `text`
    (by Scrapy, or by w3lib for a saved page). The declared charset is sometimes wrong:
    windows-1251 bytes sent as UTF-8 (decoding leaves replacement characters), or UTF-8 sent as
    a single-byte charset (which decodes without error, into mojibake). Then the bytes are
    decoded again by what they are (decode_bytes). Returns the text and the encoding it was
    decoded again as (None when `text` stands)."""
    suspicious = "\ufffd" in text or (
        codec_name(declared) in SINGLE_BYTE_CODECS and not body.isascii()
    )
    if not suspicious:
        return text, None
    try:
        decoded, encoding = decode_bytes(body)
    except EncodingError:
        return text, None
    return (text, None) if decoded == text else (decoded, encoding)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise EncodingError(f"invalid {encoding} at offset {error.start}") from None


def _as_cp1251(data: bytes) -> str | None:
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None
    non_ascii = [ch for ch in text if ord(ch) > 127]
    cyrillic = sum(1 for ch in non_ascii if "\u0400" <= ch <= "\u04ff")
    typography = sum(1 for ch in non_ascii if ch in _CP1251_TYPOGRAPHY)
    if not non_ascii or cyrillic == 0 or (cyrillic + typography) / len(non_ascii) < 0.95:
        return None
    # Latin-1 text read as windows-1251 also yields Cyrillic letters (café -> cafй), but inside
    # Latin words; real Cyrillic text has whole Cyrillic words.
    words = [w for w in _WORD.findall(text) if any("\u0400" <= ch <= "\u04ff" for ch in w)]
    mixed = sum(1 for w in words if any("a" <= ch.lower() <= "z" for ch in w))
    # KOI8-R or ISO-8859-5 text read as windows-1251 also gives Cyrillic letters, with their
    # case scrambled inside words (рЕТЕЗПЧПТЩ); real text has capitals only at word starts.
    scrambled = sum(1 for w in words if _INNER_CAPITAL.search(w))
    return text if mixed <= 0.1 * len(words) and scrambled <= 0.1 * len(words) else None
