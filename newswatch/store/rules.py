"""The thresholds of copy detection and story linking, in one place: the store uses
DEFAULT_RULES; bench/story_judgement.py chooses them by cross-validation on the real corpus
and passes others to `save_article` while it does. The defaults are what its grids choose on
the whole corpus ("fit on all"); the cross-validated numbers say how well they do."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class LinkRules:
    # Copies (same language): the estimated Jaccard similarity of word 3-shingles of a near
    # copy; of a copy that keeps the headline word for word (the excerpt around it may differ).
    near_duplicate: float = 0.4
    titled_duplicate: float = 0.15
    # Stories: the mean similarity to a story's dated reports that a dated article needs to
    # join it; the same for an undated article; the same on title and lead alone; the days
    # from the story's first report; the weight of a feature every article has (each feature
    # weighs this plus the log of its rarity).
    score: float = 0.2
    score_undated: float = 0.15
    score_prominent: float = 0.2
    window_days: int = 3
    idf_floor: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_RULES = LinkRules()
