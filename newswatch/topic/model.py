"""A topic model: logistic regression over the named features of `newswatch.topic.features`.

Fitted by `newswatch topic fit TOPIC.toml --labels FILE...` on labelled articles, and kept as a
small JSON file beside the topic file (`<topic>.model.json`), which `newswatch.topic.load_topic`
picks up. Written with numpy rather than taken from scikit-learn: the model is a weighted sum,
fitting it is a few Newton steps on a few hundred articles, and scikit-learn would bring scipy
and a second of import time to every crawl process for that. The fit is deterministic: the same
labels give the same file, byte for byte.

The probability it gives is the article's relevance; `on_topic` is relevance >= threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

FORMAT = "newswatch-topic-model/1"
L2 = 3.0  # penalty on the weights of standardised features
MIN_DF = 3  # an n-gram is a feature once it is in this many training articles ...
MAX_NGRAMS = 3000  # ... and among the this-many most frequent ones
NEWTON_STEPS = 50
THRESHOLD = 0.5  # a calibrated probability: on the topic when more likely than not
INTERCEPT_PENALTY = 1e-3  # all but unpenalised


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and the problem."""


def model_path(topic_path: str | Path) -> Path:
    """Where the model of a topic file lives: beside it, `<stem>.model.json`."""
    topic_path = Path(topic_path)
    return topic_path.with_name(f"{topic_path.stem}.model.json")


@dataclass
class TopicModel:
    intercept: float
    weights: dict[str, float]
    """feature -> weight per unit of the feature's raw value."""
    means: dict[str, float]
    """feature -> its mean over the training articles (what an explanation is measured from)."""
    threshold: float = THRESHOLD
    trained_on: dict = field(default_factory=dict)
    _named: list[str] | None = field(default=None, repr=False, compare=False)
    _ngrams: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    _absent: dict[str, float] = field(default_factory=dict, repr=False, compare=False)

    def logit(self, x: dict[str, float]) -> float:
        # fsum: the same sum whatever order the features came in (their order follows string
        # hashing, which differs between processes).
        weights = self.weights
        return math.fsum([self.intercept, *(weights[n] * v for n, v in x.items() if n in weights)])

    def probability(self, x: dict[str, float]) -> float:
        return _sigmoid(self.logit(x))

    def explain(self, x: dict[str, float], top: int = 6) -> dict[str, float]:
        """The features that moved this article's score most from the average article's, with
        how much (in log-odds; positive toward the topic)."""
        if self._named is None:
            self._named = [n for n in self.weights if not n.startswith("ngram:")]
            self._ngrams = frozenset(n for n in self.weights if n.startswith("ngram:"))
            # What a named feature the article lacks moved it: the same for every article.
            self._absent = {
                n: self.weights[n] * (0.0 - self.means.get(n, 0.0)) for n in self._named
            }
        weights, means, ngrams = self.weights, self.means, self._ngrams
        moved = dict(self._absent)
        for name, value in x.items():
            if name in moved or name in ngrams:
                moved[name] = weights[name] * (value - means.get(name, 0.0))
        candidates = list(moved.items())
        if 0 < top < len(candidates):  # only those that can be among the `top`
            cut = sorted(map(abs, moved.values()), reverse=True)[top - 1]
            candidates = [kv for kv in candidates if abs(kv[1]) >= cut]
        ranked = sorted(candidates, key=lambda kv: (-abs(kv[1]), kv[0]))[:top]
        return {name: round(value, 3) for name, value in ranked if abs(value) >= 0.01}

    def to_json(self) -> str:
        data = {
            "format": FORMAT,
            "threshold": self.threshold,
            "trained_on": self.trained_on,
            "intercept": _round(self.intercept),
            "features": {
                name: [_round(self.weights[name]), _round(self.means.get(name, 0.0))]
                for name in sorted(self.weights)
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"

    def save(self, path: str | Path) -> None:
        path = Path(path)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(self.to_json(), encoding="utf-8")
        temporary.replace(path)


def load_model(path: str | Path) -> TopicModel:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ModelError(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:
        raise ModelError(f"{path}: not valid JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ModelError(f"{path}: not a newswatch topic model ({FORMAT})")
    try:
        features = data["features"]
        return TopicModel(
            intercept=float(data["intercept"]),
            weights={name: float(v[0]) for name, v in features.items()},
            means={name: float(v[1]) for name, v in features.items()},
            threshold=float(data.get("threshold", 0.5)),
            trained_on=dict(data.get("trained_on", {})),
        )
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ModelError(f"{path}: missing or malformed {error}") from None


def fit(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int | bool],
    *,
    l2: float = L2,
    min_df: int = MIN_DF,
    max_ngrams: int = MAX_NGRAMS,
    threshold: float = THRESHOLD,
) -> TopicModel:
    """Fit a model to feature rows and their labels (1 on the topic). Features are standardised
    (n-grams, which are 0 or 1, are not), the weights penalised by `l2`, the intercept not."""
    y = np.asarray([1.0 if v else 0.0 for v in labels])
    if len(rows) != len(y) or len(y) == 0:
        raise ValueError("fit needs as many labels as feature rows, and at least one")
    if y.min() == y.max():
        raise ValueError("fit needs articles on the topic and articles off it")
    names = _feature_names(rows, min_df, max_ngrams)
    index = {name: i for i, name in enumerate(names)}
    X = np.zeros((len(rows), len(names)))
    for r, row in enumerate(rows):
        for name, value in row.items():
            i = index.get(name)
            if i is not None:
                X[r, i] = value
    dense = np.array([not n.startswith("ngram:") for n in names], dtype=bool)
    means = np.where(dense, X.mean(axis=0), 0.0)
    scales = np.where(dense, X.std(axis=0), 1.0)
    scales[scales < 1e-9] = 1.0
    Z = np.hstack([np.ones((len(y), 1)), (X - means) / scales])
    penalty = np.full(Z.shape[1], l2)
    penalty[0] = INTERCEPT_PENALTY
    w = _newton(Z, y, penalty)
    raw = w[1:] / scales
    intercept = float(w[0] - np.sum(raw * means))
    all_means = X.mean(axis=0)
    return TopicModel(
        intercept=intercept,
        weights={name: float(raw[i]) for i, name in enumerate(names)},
        means={name: float(all_means[i]) for i, name in enumerate(names)},
        threshold=threshold,
        trained_on={"articles": int(len(y)), "on_topic": int(y.sum()), "l2": l2},
    )


def _newton(Z: np.ndarray, y: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """The penalised maximum-likelihood weights, by Newton's method. Each step solves
    (D + Zt W Z) s = g; with more features than articles (n-grams), through the Woodbury
    identity, as an articles-by-articles system: a few milliseconds instead of a second."""
    w = np.zeros(Z.shape[1])
    n, d = Z.shape
    for _ in range(NEWTON_STEPS):
        p = _sigmoid_array(Z @ w)
        gradient = Z.T @ (p - y) + penalty * w
        curvature = p * (1 - p)
        if d <= n:
            hessian = (Z * curvature[:, None]).T @ Z + np.diag(penalty)
            step = np.linalg.solve(hessian, gradient)
        else:
            root = np.sqrt(curvature)
            scaled = Z * root[:, None]  # W^1/2 Z
            inner = np.eye(n) + (scaled / penalty) @ scaled.T
            first = gradient / penalty
            step = first - (scaled.T @ np.linalg.solve(inner, scaled @ first)) / penalty
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def _feature_names(rows: Iterable[dict[str, float]], min_df: int, max_ngrams: int) -> list[str]:
    counts: dict[str, int] = {}
    for row in rows:
        for name, value in row.items():
            if value:
                counts[name] = counts.get(name, 0) + 1
    dense = sorted(n for n in counts if not n.startswith("ngram:"))
    grams = sorted(
        (n for n, c in counts.items() if n.startswith("ngram:") and c >= min_df),
        key=lambda n: (-counts[n], n),
    )[:max_ngrams]
    return dense + sorted(grams)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_array(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _round(value: float) -> float:
    return float(f"{value:.6g}")
