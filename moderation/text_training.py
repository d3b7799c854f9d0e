"""Fitting ``moderation.text_model.LinearTextModel``: a build-time tool, never imported by the server.

Needs the ``dev`` extra (scikit-learn). Deterministic: the same texts, labels and library versions give
the same weights.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from moderation.text_model import LinearTextModel, features

# A word or word pair must appear in this many training messages to be in the vocabulary.
MIN_DOCUMENT_FREQUENCY = 2
# The bias of a head whose training data has no positive example: a probability of about 0.00005.
NEVER = -10.0


def matrix(texts: Sequence[str], index: dict[str, int], idf: np.ndarray):
    """Return the sparse TF-IDF matrix of ``texts`` over a vocabulary (``index``, ``idf``), as
    ``LinearTextModel.probabilities`` reads it."""
    from scipy.sparse import csr_matrix

    rows, cols, values = [], [], []
    for row, text in enumerate(texts):
        entries = [(index[g], 1.0 + math.log(c)) for g, c in features(text).items() if g in index]
        if not entries:
            continue
        ids = np.array([i for i, _ in entries])
        weights = np.array([v for _, v in entries]) * idf[ids]
        weights /= np.linalg.norm(weights)
        rows.extend([row] * len(ids))
        cols.extend(ids.tolist())
        values.extend(weights.tolist())
    return csr_matrix((values, (rows, cols)), shape=(len(texts), len(index)))


def fit(texts: Sequence[str], labels: np.ndarray, regularisation: float) -> LinearTextModel:
    """Fit one balanced logistic regression per column of ``labels`` (messages x heads, booleans)."""
    from sklearn.linear_model import LogisticRegression

    document_frequency: Counter[str] = Counter()
    for text in texts:
        document_frequency.update(features(text).keys())
    vocabulary = sorted(g for g, df in document_frequency.items() if df >= MIN_DOCUMENT_FREQUENCY)
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + document_frequency[g])) + 1.0 for g in vocabulary])
    heads = labels.shape[1]
    index = {g: i for i, g in enumerate(vocabulary)}
    tfidf = matrix(texts, index, idf)
    coef = np.zeros((len(vocabulary), heads))
    bias = np.zeros(heads)
    for head in range(heads):
        if labels[:, head].all() or not labels[:, head].any():
            # Nothing to tell apart (a small data set without any message for this head): a constant answer.
            bias[head] = NEVER if not labels[:, head].any() else -NEVER
            continue
        regression = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000, tol=1e-8)
        regression.fit(tfidf, labels[:, head])
        coef[:, head] = regression.coef_[0]
        bias[head] = regression.intercept_[0]
    return LinearTextModel(index, idf, coef, bias)


def out_of_fold(texts: Sequence[str], labels: np.ndarray, folds: np.ndarray, regularisation: float) -> np.ndarray:
    """Return (messages, heads) probabilities, each from heads trained without the message's fold."""
    probabilities = np.zeros(labels.shape, dtype=float)
    for fold in sorted(set(folds.tolist())):
        held = np.flatnonzero(folds == fold)
        kept = np.flatnonzero(folds != fold)
        model = fit([texts[i] for i in kept], labels[kept], regularisation)
        scores = matrix([texts[i] for i in held], model.index, model.idf) @ model.coef + model.bias
        probabilities[held] = 1.0 / (1.0 + np.exp(-scores))
    return probabilities


def lowest_within(probabilities: np.ndarray, budget: float) -> float:
    """The lowest threshold (to 0.001) at which at most ``budget`` of ``probabilities`` pass."""
    ranked = np.sort(probabilities)[::-1]
    allowed = math.floor(budget * len(ranked))
    if allowed >= len(ranked):
        return 0.0
    return float(math.floor(ranked[allowed] * 1000) / 1000 + 0.001)
