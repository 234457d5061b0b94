"""Fitting a topic's model to labelled articles, and estimating how well it will do.

The estimate is grouped cross-validation: the labelled articles' events (or, when the labels
name none, each article alone) are dealt into FOLDS folds by a hash, so that no event is both
trained on and tested on; a model fitted on the other folds scores each fold.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newswatch.topic.definition import Topic, load_topic
from newswatch.topic.features import article_features
from newswatch.topic.labels import Labelled, read_labels
from newswatch.topic.model import TopicModel, fit, model_path

FOLDS = 5


def fold_of(group: str, repetition: int = 0) -> int:
    """The fold of an event, the same on every machine and run."""
    digest = hashlib.sha256(f"{repetition}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "little") % FOLDS


def features_of(topic: Topic, article: Labelled) -> dict[str, float]:
    return article_features(
        topic,
        title=article.title,
        lead=article.lead,
        text=article.text,
        language=article.language,
        date=article.date,
    )[0]


def cross_validated(
    rows: Sequence[dict[str, float]],
    labels: Sequence[bool],
    groups: Sequence[str],
    repetition: int = 0,
    **fit_args,
) -> list[float | None]:
    """Each article's probability from a model that never saw its event (None when its
    training folds lack articles on or off the topic)."""
    folds = [fold_of(g, repetition) for g in groups]
    out: list[float | None] = [None] * len(rows)
    for fold in range(FOLDS):
        train = [i for i, f in enumerate(folds) if f != fold]
        test = [i for i, f in enumerate(folds) if f == fold]
        if not test or len({bool(labels[i]) for i in train}) < 2:
            continue
        model = fit([rows[i] for i in train], [labels[i] for i in train], **fit_args)
        for i in test:
            out[i] = model.probability(rows[i])
    return out


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass
class FitReport:
    model: TopicModel
    path: Path
    articles: int
    on_topic: int
    events: int
    estimate: dict | None
    """Cross-validated precision, recall and F1 at the model's threshold (None if skipped)."""


def fit_topic(
    topic_path: Path,
    label_paths: list[Path],
    *,
    db=None,
    out: Path | None = None,
    estimate: bool = True,
) -> FitReport:
    """Fit the model of the topic file `topic_path` to the labelled articles of `label_paths`
    and write it beside the topic file (or to `out`)."""
    topic = load_topic(topic_path, use_model=False)
    labelled = read_labels(label_paths, db)
    rows = [features_of(topic, a) for a in labelled]
    labels = [a.label for a in labelled]
    groups = [a.group for a in labelled]
    model = fit(rows, labels)
    model.trained_on["events"] = len(set(groups))
    result = None
    if estimate:
        probabilities = cross_validated(rows, labels, groups)
        pairs = [
            (p >= model.threshold, y)
            for p, y in zip(probabilities, labels, strict=True)
            if p is not None
        ]
        tp = sum(1 for p, y in pairs if p and y)
        fp = sum(1 for p, y in pairs if p and not y)
        fn = sum(1 for p, y in pairs if not p and y)
        precision, recall, f1 = precision_recall_f1(tp, fp, fn)
        result = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "scored": len(pairs),
        }
    path = Path(out) if out else model_path(topic_path)
    model.save(path)
    return FitReport(model, path, len(labelled), sum(labels), len(set(groups)), result)
