"""The Ray engine on a real local Ray instance (2 CPUs, offline): byte-identical rows to
the local engine, one model load per actor, and a broken model stops the run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_corpus import install_hook, loads, text_folder

from forewarn.batch import read_rows, run_batch
from forewarn.errors import ModelError

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def hook_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A local Ray on 2 CPUs whose workers count model loads: Ray workers inherit the
    environment of the ray.init() that starts them, so the hook goes in first."""
    log = tmp_path / "loads.log"
    install_hook(tmp_path, monkeypatch, FOREWARN_TEST_LOAD_LOG=str(log))
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield log
    finally:
        ray.shutdown()


def test_ray_rows_are_byte_identical_to_local_and_model_loads_once_per_actor(
    hook_env: Path, tmp_path: Path
) -> None:
    root = tmp_path / "in"
    ids = text_folder(root, 10, paragraphs=4)
    (root / "broken.epub").write_bytes(b"PK\x03\x04 not a zip")
    (root / "empty.txt").write_bytes(b"")
    local_jsonl, ray_jsonl = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    local_parquet, ray_parquet = tmp_path / "local.parquet", tmp_path / "ray.parquet"
    run_batch(root, local_jsonl, workers=1)
    run_batch(root, local_parquet, workers=1)

    summary = run_batch(root, ray_jsonl, engine="ray", workers=2, shard_size=2)
    assert summary.processed == 12 and summary.errors == 2
    assert ray_jsonl.read_bytes() == local_jsonl.read_bytes()
    rows = read_rows(ray_jsonl)
    assert sorted(r["id"] for r in rows if r["error"] is None) == sorted(ids)
    assert any(r["warnings"] for r in rows)
    pids = loads(hook_env)
    assert len(pids) == 2 == len(set(pids))  # two actors, 12 works, two model loads
    assert ray.is_initialized()  # a Ray it did not start is left running

    run_batch(root, ray_parquet, engine="ray", workers=2, shard_size=5)
    assert ray_parquet.read_bytes() == local_parquet.read_bytes()


def test_ray_stops_with_the_model_error_and_shuts_down_the_ray_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "in"
    text_folder(root, 3, paragraphs=2)
    install_hook(tmp_path, monkeypatch, FOREWARN_TEST_LOAD_FAIL="1")
    assert not ray.is_initialized()
    out = tmp_path / "out.jsonl"
    with pytest.raises(ModelError, match="cannot load"):
        run_batch(root, out, engine="ray", workers=1)
    assert not out.exists()
    assert not ray.is_initialized()
