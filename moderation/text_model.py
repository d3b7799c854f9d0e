"""A linear model over a message's words and word pairs: the representation both language models share.

``features`` turns normalised text into words and word pairs (never across punctuation; words after a
negation in the same clause are marked, so "never hurt myself" does not read like "hurt myself").
``LinearTextModel`` weighs them by TF-IDF (sublinear counts, L2-normalised over the words it knows) and
gives one probability per head (a logistic regression each). The crisis model has three heads, the
harassment model one. Pure: it reads nothing but its arguments and its arrays, loaded once from a compact
``.npz`` file (numpy arrays, reviewed through the training data and CI's rebuild check, not by diff).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation.normalize import tokenize

_PUNCTUATION = frozenset(".,!?;:")
_NEGATIONS = frozenset({"not", "no", "never", "nor", "without", "nothing", "nobody"})


def features(normalized: str) -> Counter[str]:
    """Return the words and word pairs of a normalised text with their counts (pairs never cross punctuation).

    Words after a negation in the same clause are marked ("i would never hurt myself" gives "~hurt",
    "~myself"), so that "never hurt myself" does not read like "hurt myself".
    """
    grams: Counter[str] = Counter()
    previous = None
    negated = False
    for token in tokenize(normalized):
        if token in _PUNCTUATION or not token:
            previous = None
            negated = False
            continue
        if token in _NEGATIONS:
            negated = True
        elif negated:
            token = "~" + token
        grams[token] += 1
        if previous is not None:
            grams[f"{previous} {token}"] += 1
        previous = token
    return grams


@dataclass(frozen=True)
class LinearTextModel:
    index: dict[str, int]  # word or word pair -> row
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (features, heads)
    bias: np.ndarray  # (heads,)

    def probabilities(self, normalized: str) -> np.ndarray | None:
        """Return one probability per head, or None when the model knows none of the message's words."""
        ids, values = [], []
        for gram, count in features(normalized).items():
            i = self.index.get(gram)
            if i is not None:
                ids.append(i)
                values.append(1.0 + math.log(count))
        if not ids:
            return None
        weights = np.asarray(values) * self.idf[ids]
        weights /= np.linalg.norm(weights)
        return 1.0 / (1.0 + np.exp(-(weights @ self.coef[ids] + self.bias)))

    def same_weights(self, other: LinearTextModel, tolerance: float) -> bool:
        """True when ``other`` has the same vocabulary and weights within ``tolerance``."""
        return (
            self.index == other.index
            and np.allclose(self.coef, other.coef, atol=tolerance)
            and np.allclose(self.bias, other.bias, atol=tolerance)
        )

    def arrays(self) -> dict[str, np.ndarray]:
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        return {
            "vocabulary": np.array(vocabulary),
            "idf": self.idf.astype(np.float32),
            "coef": self.coef.astype(np.float32),
            "bias": self.bias.astype(np.float32),
        }

    @classmethod
    def from_arrays(cls, stored) -> LinearTextModel:
        vocabulary = stored["vocabulary"].tolist()
        return cls(
            index={gram: i for i, gram in enumerate(vocabulary)},
            idf=stored["idf"].astype(np.float64),
            coef=stored["coef"].astype(np.float64),
            bias=stored["bias"].astype(np.float64),
        )


def load_arrays(path: Path) -> dict[str, np.ndarray] | None:
    """Return the arrays stored at ``path``, or None if the file is missing."""
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as stored:
        return {name: stored[name] for name in stored.files}
