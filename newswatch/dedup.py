"""Fingerprints of articles, for de-duplication and story linking. Pure functions: what to look
up in the store is decided in `newswatch.store.dedup`, inside the write transaction.

- content hash: the normalised text (case, punctuation and spacing ignored), for exact copies;
- MinHash signature of word 3-shingles, cut into LSH bands, for near-duplicates (a re-post with
  small edits). Written with numpy rather than taken from datasketch: its MinHash is a few lines,
  and datasketch brings scipy, half a second of import time in every crawl process; its LSH has
  no SQLite storage, and the bands must live in the store, in the same transaction as the row;
- story anchors: what reports of one event share across English, Ukrainian and Russian: names
  brought to one script and reduced to their consonant skeleton (Рютте, Rutte -> "n:rtt";
  Макроном, Macron -> "n:mkrn"), and numbers.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import mul

import numpy as np

NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
SHINGLE = 3
MINHASH_BLOCK = 4096  # shingles permuted at a time: 4 MB of uint64
_RNG = np.random.default_rng(20261122)
_MULTIPLIERS = _RNG.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)  # odd
_MASKS = _RNG.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Lower-case words of `text` separated by single spaces: what stays when typography,
    punctuation and layout are ignored."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text or "").casefold()))


def content_hash(normalised: str) -> str:
    """16 hex digits identifying a normalised text (see normalise_text): equal for exact
    copies."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def _hash64(items: list[bytes]) -> np.ndarray:
    digests = b"".join([hashlib.blake2b(i, digest_size=8).digest() for i in items])
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def minhash(words: list[str]) -> np.ndarray:
    """MinHash signature (NUM_PERM uint64) of the 3-shingles of `words` (a normalised text's).
    The shingles are permuted MINHASH_BLOCK at a time, so that memory stays bounded however
    many there are (the minimum is the same)."""
    if len(words) < SHINGLE:
        shingles = {" ".join(words).encode()} if words else {b""}
    else:
        shingles = {
            " ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)
        }
    return _signature(shingles)


def _shingles(normalised: str) -> set[bytes]:
    """The shingles minhash(normalised.split()) takes, cut from the text's UTF-8 bytes: the
    words of a normalised text are separated by exactly one space, and a shingle is its words
    joined by one, so encoding the text once is the same as encoding each shingle."""
    words = normalised.encode("utf-8").split(b" ") if normalised else []
    if len(words) < SHINGLE:
        return {b" ".join(words)}
    shingles = zip(*(words[i:] for i in range(SHINGLE)), strict=False)  # the last ones fall short
    return {b" ".join(shingle) for shingle in shingles}


def _signature(shingles: set[bytes]) -> np.ndarray:
    hashes = _hash64(list(shingles))
    signature = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for start in range(0, len(hashes), MINHASH_BLOCK):
        # (hash ^ mask) * multiplier for every permutation, modulo 2**64 (integer arrays wrap
        # around without a warning), in one buffer
        permuted = np.bitwise_xor.outer(hashes[start : start + MINHASH_BLOCK], _MASKS)
        np.multiply(permuted, _MULTIPLIERS, out=permuted)
        np.minimum(signature, permuted.min(axis=0), out=signature)
    return signature


def lsh_buckets(signature: np.ndarray) -> list[int]:
    """One bucket per band (ROWS signature values each), as signed 64-bit ints for SQLite."""
    data = signature.tobytes()
    size = ROWS * signature.itemsize
    return [
        int.from_bytes(
            hashlib.blake2b(data[b * size : (b + 1) * size], digest_size=8).digest(),
            "little",
            signed=True,
        )
        for b in range(BANDS)
    ]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets: the share of equal values
    (np.mean(a == b), without np.mean's Python-level overhead: the same float)."""
    return int(np.count_nonzero(a == b)) / len(a)


def signature_from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.uint64)


# --- story anchors -------------------------------------------------------------------------------

_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "ґ": "g",
        "д": "d",
        "е": "e",
        "є": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "і": "i",
        "ї": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "'": "",
        "’": "",
        "ʼ": "",
    }
)
# Case endings of Ukrainian and Russian names, longest first (Макроном -> Макрон, Путіна ->
# Путін, Лавровым -> Лавров); -ов/-ев/-ін themselves stay, they are part of surnames.
_CYRILLIC_ENDINGS = (
    "ами",
    "ями",
    "ому",
    "ого",
    "ом",
    "ем",
    "ём",
    "ым",
    "им",
    "ой",
    "ей",
    "ою",
    "ею",
    "ах",
    "ях",
    "ий",
    "ій",
    "ый",
    "ої",
    "у",
    "ю",
    "а",
    "я",
    "е",
    "і",
    "ы",
    "и",
)
_LATIN_FOLD = (
    ("ph", "f"),
    ("ck", "k"),
    ("tz", "z"),
    ("ts", "z"),
    ("c", "k"),
    ("q", "k"),
    ("w", "v"),
    ("x", "ks"),
    ("j", "y"),
    ("zh", "j"),
    ("kh", "h"),
)
_VOWELS = re.compile(r"[aeiouy]")
_GUTTURAL = re.compile(r"[ghj]")
_SENTENCE_END = frozenset('.!?…«"“„:')
_ANCHOR_TOKEN = re.compile(r"\w[\w'’ʼ-]*|[.!?…«\"“„:]")


def strip_case_ending(word: str) -> str:
    """`word` (lower case, Cyrillic) without its Ukrainian or Russian case ending, if what is
    left keeps four letters: Макроном -> макрон, Путіна -> путін, Лавровым -> лавров."""
    for ending in _CYRILLIC_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


# Places whose names the three languages write too differently for one skeleton: the
# Ukrainian or Russian skeleton -> the English one (Франція -> France, Польща -> Poland).
_SKELETON_ALIASES = {
    "frnz": "frnk",
    "nmggn": "grmn",
    "plsgg": "plnd",
    "plsg": "plnd",
    "rs": "rss",
    "vrp": "rp",
    "krml": "krmln",
    "trggn": "trk",
    "trz": "trk",
    "stmbl": "stnbl",
    "brssl": "brssls",
}
# Abbreviations, written in capitals, that name the same thing in every language.
ACRONYMS = {
    **dict.fromkeys(("US", "USA", "США"), "n:us"),
    **dict.fromkeys(("EU", "ЄС", "ЕС"), "n:eu"),
    **dict.fromkeys(("NATO", "НАТО"), "n:nato"),
    **dict.fromkeys(("UN", "ООН"), "n:un"),
}


@lru_cache(maxsize=100_000)
def name_key(word: str) -> str | None:
    """A script-independent key for a proper name: transliterated, case endings dropped,
    consonant skeleton (Rutte, Рютте -> rtt; Witkoff, Віткоффа, Уиткоффом -> vtkff)."""
    lower = unicodedata.normalize("NFKC", word).lower().removesuffix("'s").removesuffix("’s")
    if any("\u0400" <= ch <= "\u04ff" for ch in lower):
        lower = strip_case_ending(lower).translate(_TRANSLIT)
        if lower.startswith("ui"):  # Уиткофф, Уильямс: the Russian spelling of W
            lower = "v" + lower[2:]
    if not lower.isascii():
        return None
    for old, new in _LATIN_FOLD:
        lower = lower.replace(old, new)
    # г, ж, х and h, g, j trade places between these languages' spellings (Женева / Geneva,
    # Гельсінкі / Helsinki): one letter for all of them.
    skeleton = _GUTTURAL.sub("g", _VOWELS.sub("", lower))
    skeleton = _SKELETON_ALIASES.get(skeleton, skeleton)
    return skeleton if len(skeleton) >= 2 and skeleton.isalpha() else None


def story_anchors(text: str) -> set[str]:
    """What another report of the same event, in any of the three languages, would share:
    names (capitalised words not opening a sentence) as `n:<key>`, and numbers as `#<digits>`."""
    anchors: set[str] = set()
    previous = "."
    for match in _ANCHOR_TOKEN.finditer(text):
        token = match.group(0)
        if token in _SENTENCE_END:
            previous = token
            continue
        if token[0].isdigit():
            digits = re.sub(r"\D", "", token)
            if len(digits) >= 2:
                anchors.add(f"#{digits}")
        elif (
            token[0].isupper()
            and previous not in _SENTENCE_END
            and len(token) >= 4
            and not token.isupper()
        ):
            key = name_key(token)
            if key:
                anchors.add(f"n:{key}")
        previous = token
    return anchors


# --- story features ------------------------------------------------------------------------------

TITLE_WEIGHT = 1.0
LEAD_WEIGHT = 0.8  # the lead, and the first LEAD_WORDS words of the body
BODY_WEIGHT = 0.35  # the rest of the body: background
TOPICAL_SHARE = 0.5  # a topical word counts this much of a name in the same place
LEAD_WORDS = 60
TOPICAL_MIN_LETTERS = 5
MAX_TOPICAL = 30  # topical words kept, the title's first: each costs index rows in the store
_QUOTED = re.compile(r"[«“„\"]([^«»“”„\"]{3,80})[»”\"]")
_LOWER_WORD = re.compile(r"[^\W\d_][\w'’ʼ-]*")


# A text as story features read it: each token with what comes before it since the token before
# (a gap of white space only means "written together"). The same tokens as _ANCHOR_TOKEN.
_GAP_AND_TOKEN = re.compile(r"([^\w.!?…«\"“„:]*)(\w[\w'’ʼ-]*|[.!?…«\"“„:])")
_SENTENCE_MARK, _CAPITALISED, _OTHER = 0, 1, 2
_TOKEN_KINDS: dict[str, tuple[int, str | None]] = {}  # token -> its kind, and its anchor if any
MAX_TOKEN_KINDS = 100_000


def _token_kind(token: str) -> tuple[int, str | None]:
    """What `token` is to _names_and_numbers: a sentence mark, a capitalised word of four
    letters or more (not an acronym: a name, maybe), or another word, with the anchor it is
    on its own (an acronym's name, a number of two digits or more), if any. Worked out once
    per distinct token."""
    found = _TOKEN_KINDS.get(token)
    if found is not None:
        return found
    if token in _SENTENCE_END:
        found = (_SENTENCE_MARK, None)
    elif token[0].isupper() and len(token) >= 4 and not token.isupper():
        found = (_CAPITALISED, None)
    elif token in ACRONYMS:
        found = (_OTHER, ACRONYMS[token])
    elif token[0].isdigit():
        digits = re.sub(r"\D", "", token)
        found = (_OTHER, f"#{digits}" if len(digits) >= 2 else None)
    else:
        found = (_OTHER, None)
    if len(_TOKEN_KINDS) < MAX_TOKEN_KINDS:
        _TOKEN_KINDS[token] = found
    return found


def _anchor_events(tokens: list[tuple[str, str]]) -> list[tuple[str, bool | None]]:
    """The name candidates and anchors of `tokens` (gap, token), in text order. Of capitalised
    words written together only the last counts (see _names_and_numbers): each run of them is
    (its last word, whether that word opens a sentence: it is the run's only word and follows
    a sentence mark or nothing); an acronym or a number is (its anchor, None)."""
    events: list[tuple[str, bool | None]] = []
    last: str | None = None  # the last word of the run of capitalised words being read
    opening = False
    after_mark = True  # the text's start counts as a sentence's
    for gap, token in tokens:
        kind, anchor = _TOKEN_KINDS.get(token) or _token_kind(token)
        if kind == _CAPITALISED:
            if last is None:
                opening = after_mark
            else:
                if gap and not gap.isspace():  # not written together: a run of its own
                    events.append((last, opening))
                opening = False
            last = token
            after_mark = False
            continue
        if last is not None:
            events.append((last, opening))
            last = None
        after_mark = kind == _SENTENCE_MARK
        if anchor is not None:
            events.append((anchor, None))
    if last is not None:
        events.append((last, opening))
    return events


def _joined_events(
    tokens: list[tuple[str, str]],
    split: int,
    first: list[tuple[str, bool | None]],
    second: list[tuple[str, bool | None]],
) -> list[tuple[str, bool | None]]:
    """_anchor_events(tokens), from those of tokens[:split] (`first`) and tokens[split:]
    (`second`), which are the same but where a run of capitalised words meets the split: one
    running across it is one run, and one starting at it opens a sentence only if the token
    before is a sentence mark."""
    if split == 0 or split == len(tokens):
        return first + second
    gap, token = tokens[split]
    if _token_kind(token)[0] != _CAPITALISED:  # the split closes any run, as the end did
        return first + second
    run_last, opening = second[0]  # the run that starts at the split
    before = _token_kind(tokens[split - 1][1])[0]
    if before == _CAPITALISED and (not gap or gap.isspace()):  # written together
        return [*first[:-1], (run_last, False), *second[1:]]
    return [*first, (run_last, bool(opening) and before == _SENTENCE_MARK), *second[1:]]


def _names_and_numbers(
    events: list[tuple[str, bool | None]],
    language: str | None,
    known_names: set[str],
    headline: bool = False,
) -> tuple[set[str], set[str]]:
    """Names and numbers of a text, from its _anchor_events (see story_anchors), with three
    differences. Of names written together ("Foreign Minister Sergei Lavrov", "Марк Рютте")
    only the last counts: titles and first names (Mark Rutte, Marco Rubio: both "mrk") tell
    no event. A capitalised word opening a sentence (a headline's "Rutte says ...") counts
    when it is a name elsewhere in the article or no dictionary word. In a `headline`, a
    capitalised dictionary word that is no name elsewhere in the article is Title Case ("Hold
    Talks"): it is returned apart, as a word."""
    from newswatch.lemmas import is_known

    anchors: set[str] = set()
    demoted: set[str] = set()
    language = language or "en"
    for token, opening in events:
        if opening is None:  # an acronym or a number
            anchors.add(token)
            continue
        key = name_key(token)
        if not key:
            continue
        name = f"n:{key}"
        if name in OUTLET_NAMES:
            continue
        if name in known_names:
            anchors.add(name)
        elif is_known(token.lower(), language):
            if headline:
                demoted.add(token.lower())
            elif not opening:
                anchors.add(name)
        else:
            anchors.add(name)
    return anchors, demoted


# The outlets' own names, which their every page repeats: no evidence of an event.
OUTLET_NAMES = frozenset(
    f"n:{name_key(word)}"
    for word in ("Sputnik", "Pravda", "Правда", "РБК-Україна", "РБК-Украина", "RBC-Ukraine")
)


def _topical(text: str, language: str | None) -> list[str]:
    """Content words of `text` (lower case, five letters or more) as `w:<language>:<stem>`, in
    text order: they match only in the same language."""
    from newswatch.search import stem

    language = language or "en"
    found = [
        f"w:{language}:{stem(w, language)}"
        for w in _LOWER_WORD.findall(text)
        if w[0].islower() and len(w) >= TOPICAL_MIN_LETTERS
    ]
    return list(dict.fromkeys(found))


def _quoted(text: str, language: str | None) -> list[str]:
    """Quoted words, as topical words (a quote is translated, so only within a language)."""
    return [q for quote in _QUOTED.findall(text) for q in _topical(quote, language)]


def story_features(
    title: str | None, lead: str | None, text: str, language: str | None
) -> dict[str, float]:
    """What a report of an event is judged on, each feature with the weight of the most
    prominent place it appears in: title TITLE_WEIGHT, lead (and the first LEAD_WORDS words
    of the body) LEAD_WEIGHT, the rest of the body BODY_WEIGHT (a background paragraph counts
    little). Features: names (`n:`) and numbers (`#`) of story_anchors, which match across
    languages; and topical words (`w:<language>:<stem>`, title and lead only, and quoted
    words; the first MAX_TOPICAL), which match in one language and count TOPICAL_SHARE of a
    name."""
    words = (text or "").split()
    places = (
        (title or "", TITLE_WEIGHT),
        (" ".join(filter(None, (lead, " ".join(words[:LEAD_WORDS])))), LEAD_WEIGHT),
        (" ".join(words[LEAD_WORDS:]), BODY_WEIGHT),
    )
    # The lead and the body are read as one text (for the names the article knows) and as
    # two places; tokenised once.
    lead_and_body = _GAP_AND_TOKEN.findall(places[1][0] + "\n\n" + places[2][0])
    in_lead = len(_ANCHOR_TOKEN.findall(places[1][0]))
    place_events = (
        _anchor_events(_GAP_AND_TOKEN.findall(places[0][0])),
        _anchor_events(lead_and_body[:in_lead]),
        _anchor_events(lead_and_body[in_lead:]),
    )
    together = _joined_events(lead_and_body, in_lead, *place_events[1:])
    known = _names_and_numbers(together, language, set())[0]
    features: dict[str, float] = {}

    def offer(feature: str, weight: float) -> None:
        if weight > features.get(feature, 0.0):
            features[feature] = weight

    topical: dict[str, float] = {}
    for (place, weight), events in zip(places, place_events, strict=True):
        anchors, demoted = _names_and_numbers(events, language, known, weight == TITLE_WEIGHT)
        for anchor in anchors:
            offer(anchor, weight)
        words = _quoted(place, language)
        if weight >= LEAD_WEIGHT:
            words = _topical(" ".join(demoted), language) + _topical(place, language) + words
        for word in words:
            if len(topical) < MAX_TOPICAL or word in topical:
                topical.setdefault(word, weight * TOPICAL_SHARE)
    for word, weight in topical.items():
        offer(word, weight)
    return features


def prominent(features: dict[str, float]) -> dict[str, float]:
    """The features of the title and lead only (what the report is about, not its
    background)."""
    # A name or number at LEAD_WEIGHT or more, a topical word (`w:`) at its share of that: the
    # weights compared first, so that most features are decided without looking at their name.
    return {
        f: w
        for f, w in features.items()
        if w >= LEAD_WEIGHT or (w >= LEAD_WEIGHT * TOPICAL_SHARE and f.startswith("w:"))
    }


def cross_language(feature: str) -> bool:
    """Whether `feature` can match a report in another language (names and numbers can)."""
    return not feature.startswith("w:")


def report_similarity(
    mine: dict[str, float],
    theirs: dict[str, float],
    weights: dict[str, float],
    same_language: bool,
) -> float:
    """How alike two reports are: the cosine of their features, each weighted by its place
    (story_features) times `weights` (its rarity); across languages, names and numbers only."""
    if not same_language:
        mine = {f: w for f, w in mine.items() if cross_language(f)}
        theirs = {f: w for f, w in theirs.items() if cross_language(f)}
    shared = sum(weights.get(f, 1.0) * min(w, theirs[f]) for f, w in mine.items() if f in theirs)
    if not shared:
        return 0.0
    norm_mine = sum(weights.get(f, 1.0) * w for f, w in mine.items())
    norm_theirs = sum(weights.get(f, 1.0) * w for f, w in theirs.items())
    return shared / math.sqrt(norm_mine * norm_theirs)


class ComparedReport:
    """A report's features as report_similarity compares them with many others under one set
    of `weights` (a story lookup compares an article with up to 48 reports, twice each): what
    does not change between comparisons (the features compared, their weights, the norms) is
    worked out once. The arithmetic is report_similarity's, term for term and in the same
    order, so the result is the same float."""

    def __init__(self, features: dict[str, float], weights: dict[str, float]):
        self.features = features
        self.weights = weights
        self._views: dict[tuple[bool, bool], dict[str, float]] = {}
        self._terms: dict[tuple[bool, bool], list[tuple[str, float, float]]] = {}
        self._norms: dict[tuple[bool, bool], float] = {}

    def view(self, same_language: bool, prominent_only: bool) -> dict[str, float]:
        """The features compared: across languages, names and numbers only; the prominent
        ones only (see `prominent`), or all."""
        key = (same_language, prominent_only)
        found = self._views.get(key)
        if found is None:
            found = prominent(self.features) if prominent_only else self.features
            if not same_language:
                found = {f: w for f, w in found.items() if cross_language(f)}
            self._views[key] = found
        return found

    def terms(self, same_language: bool, prominent_only: bool) -> list[tuple[str, float, float]]:
        """(feature, its weight, its value) of the view, in its order."""
        key = (same_language, prominent_only)
        found = self._terms.get(key)
        if found is None:
            weights = self.weights
            view = self.view(same_language, prominent_only)
            found = [(f, weights.get(f, 1.0), w) for f, w in view.items()]
            self._terms[key] = found
        return found

    def norm(self, same_language: bool, prominent_only: bool) -> float:
        key = (same_language, prominent_only)
        found = self._norms.get(key)
        if found is None:
            view = self.view(same_language, prominent_only)
            # sum(weights.get(f, 1.0) * w for f, w in view.items()), the products made in C
            rarities = map(self.weights.get, view, repeat(1.0))
            found = sum(map(mul, rarities, view.values()))
            self._norms[key] = found
        return found

    def similarity(
        self, theirs: ComparedReport, same_language: bool, prominent_only: bool = False
    ) -> float:
        """report_similarity(mine, theirs, weights, same_language), of both reports' views."""
        other = theirs.view(same_language, prominent_only)
        shared = 0
        for feature, weight, w in self.terms(same_language, prominent_only):
            t = other.get(feature)
            if t is not None:
                shared += weight * (w if w <= t else t)  # min(w, t)
        if not shared:
            return 0.0
        norm_mine = self.norm(same_language, prominent_only)
        norm_theirs = theirs.norm(same_language, prominent_only)
        return shared / math.sqrt(norm_mine * norm_theirs)


@dataclass
class Fingerprint:
    content_hash: str
    signature: np.ndarray
    buckets: list[int]
    features: dict[str, float]
    title_key: str | None = None


TITLE_KEY_WORDS = 4  # a headline this long or longer identifies an article's copies


def title_key(title: str | None) -> str | None:
    """The content_hash of a headline of TITLE_KEY_WORDS words or more, else None."""
    normalised = normalise_text(title or "")
    return content_hash(normalised) if len(normalised.split()) >= TITLE_KEY_WORDS else None


SHORT_BODY = 25  # words: below this, a body says too little to tell two articles apart
# Only the body's first FINGERPRINT_CHARS characters are fingerprinted (about 40,000 words, ten
# times a long article): a 13 MB page would otherwise cost gigabytes and many seconds. No
# article of a normal size is cut, so the fingerprints of stored articles stay valid.
FINGERPRINT_CHARS = 300_000


def fingerprint(
    title: str | None, lead: str | None, text: str, language: str | None = None
) -> Fingerprint:
    """What an article's copies and stories are found by (see the module's docstring); of a
    very long body only the first FINGERPRINT_CHARS characters count."""
    text = (text or "")[:FINGERPRINT_CHARS]
    whole = "\n\n".join(p for p in (title, lead, text) if p)
    # Copies are recognised by their body, which re-posts keep while editing headlines; a body
    # too short to tell articles apart ("Details to follow.") is taken with its title.
    body = text or ""
    if len(body.split(None, SHORT_BODY)) < SHORT_BODY:  # (no need to split all of it)
        body = whole
    normalised = normalise_text(body)
    signature = _signature(_shingles(normalised))
    return Fingerprint(
        content_hash(normalised),
        signature,
        lsh_buckets(signature),
        story_features(title, lead, text, language),
        title_key(title),
    )
