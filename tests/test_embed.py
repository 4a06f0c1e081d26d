"""The ONNX sentence embedder: windowing (no silent truncation), pooling, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from forewarn.detect.embed import (
    HashingEmbedder,
    OnnxEmbedder,
    load_embedder,
    minilm_int8_spec,
    pool_windows,
    spec_by_name,
    split_windows,
)
from forewarn.errors import ModelError


@pytest.mark.parametrize("n,body", [(0, 10), (1, 10), (10, 10), (11, 10), (250, 126), (1000, 30)])
def test_split_windows_covers_every_token_once_in_order(n: int, body: int) -> None:
    ids = list(range(n))
    wins = split_windows(ids, body)
    assert [t for w in wins for t in w] == ids
    assert all(len(w) <= body for w in wins)
    assert len(wins) == max(1, -(-n // body))  # the fewest windows possible
    if n > body:  # near-equal sizes: no tiny tail window
        sizes = [len(w) for w in wins]
        assert max(sizes) - min(sizes) <= len(wins)


def test_pool_windows_weights_by_tokens_and_normalises() -> None:
    vecs = np.array([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0]], dtype=np.float32)
    owner = np.array([0, 0, 1])
    out = pool_windows(vecs, owner, np.array([3.0, 1.0, 2.0]), 2, normalize=False)
    assert np.allclose(out[0], [0.75, 0.25])
    assert np.allclose(out[1], [3.0, 4.0])
    normed = pool_windows(vecs, owner, np.array([3.0, 1.0, 2.0]), 2)
    assert np.allclose(np.linalg.norm(normed, axis=1), 1.0)


def test_unknown_embedder_is_a_model_error() -> None:
    with pytest.raises(ModelError):
        spec_by_name("no-such-model")


def test_hashing_embedder_is_deterministic_and_unit_length() -> None:
    e = load_embedder("hashing-bow-64")
    assert isinstance(e, HashingEmbedder)
    a = e.embed(["the cat sat", "a dog ran", ""])
    b = HashingEmbedder(64).embed(["the cat sat", "a dog ran", ""])
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a[:2], axis=1), 1.0)
    assert not np.allclose(a[0], a[1])


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbedder:
    try:
        spec = minilm_int8_spec()
    except ModelError:
        pytest.skip("embedding model package not installed")
    return OnnxEmbedder(spec, max_tokens=32, threads=1)


def test_onnx_embedder_shapes_norms_and_determinism(onnx_embedder: OnnxEmbedder) -> None:
    texts = ["He fell asleep on the train.", "", "Rain again over the harbour."]
    a = onnx_embedder.embed(texts)
    b = onnx_embedder.embed(list(reversed(texts)))[::-1]
    assert a.shape == (3, onnx_embedder.dim)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    assert np.allclose(a, b, atol=1e-5)  # batch order does not change a vector


def test_long_text_is_windowed_not_truncated(onnx_embedder: OnnxEmbedder) -> None:
    """Changing only the end of a text far longer than one window changes its vector:
    the tail was read, not cut off."""
    head = " ".join(["The morning was quiet and the kettle sang in the kitchen."] * 20)
    a = onnx_embedder.embed([head + " Then they planted tulips in the garden."])
    b = onnx_embedder.embed([head + " Then the soldiers opened fire on the crowd."])
    wins, owner = onnx_embedder.windows([head])
    assert len(wins) > 1 and all(len(w) <= onnx_embedder.max_tokens for w in wins)
    assert not np.allclose(a, b, atol=1e-4)


def test_semantic_neighbours_are_closer(onnx_embedder: OnnxEmbedder) -> None:
    v = onnx_embedder.embed(
        ["He stabbed the guard and ran.", "She knifed the sentry and fled.", "We baked bread."]
    )
    assert v[0] @ v[1] > v[0] @ v[2]
