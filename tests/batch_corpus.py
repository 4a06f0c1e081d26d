"""Small corpora and a worker hook shared by the batch tests (test_batch*.py).

The texts are generated here from a tiny vocabulary (no third-party text). The hook is
a `sitecustomize` module put on PYTHONPATH, so every process a batch run starts (spawned
pool workers, Ray actors) imports it: driven by environment variables it logs each real
model load, makes chosen works slow or kill their process, or makes the model fail.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

NAMES = ["Mara", "Tobin", "Ilse", "Corwin", "Wren", "Dax"]
PLACES = ["the harbour", "the kitchen", "the old library", "the orchard", "the station"]
VERBS = ["walked to", "waited in", "cleaned", "remembered", "sketched", "left"]
DETAILS = [
    "The kettle sang on the stove.",
    "Rain tapped against the window.",
    "Somebody laughed in the next room.",
    "The light went gold and then grey.",
    "It smelled of bread and salt.",
]
WARNING_SENTENCES = [
    "He took the razor and cut his wrists until the blood ran down his arms.",
    "The soldier shot the man in the chest and kicked him as he died screaming.",
    "She swallowed the whole bottle of pills because she wanted to die.",
    "He punched her in the face and broke her nose.",
]


def story(seed: int, paragraphs: int = 6, warning_every: int = 3) -> str:
    """An original little story; every `warning_every`-th paragraph (0: none) carries a
    sentence that needs a warning."""
    rng = random.Random(seed)
    out = []
    for p in range(paragraphs):
        sentences = [
            f"{rng.choice(NAMES)} {rng.choice(VERBS)} {rng.choice(PLACES)}."
            for _ in range(rng.randint(2, 5))
        ]
        sentences += rng.sample(DETAILS, 2)
        if warning_every and p % warning_every == warning_every - 1:
            sentences.insert(rng.randrange(len(sentences)), rng.choice(WARNING_SENTENCES))
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def text_folder(root: Path, works: int, paragraphs: int = 6) -> list[str]:
    """`works` text files in root and root/deeper/; returns their ids (relative paths)."""
    ids = []
    for n in range(works):
        rel = f"deeper/work-{n:03d}.txt" if n % 3 == 2 else f"work-{n:03d}.txt"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(story(n, paragraphs, warning_every=3 if n % 2 else 0), encoding="utf-8")
        ids.append(rel)
    return ids


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


HOOK = '''
import os

log = os.environ.get("FOREWARN_TEST_LOAD_LOG")
fail = os.environ.get("FOREWARN_TEST_LOAD_FAIL")
crash = os.environ.get("FOREWARN_TEST_CRASH_ID")
slow = float(os.environ.get("FOREWARN_TEST_SLOW_SECONDS") or 0)

if log or fail:
    import forewarn.detect as detect
    import forewarn.pipeline as pipeline

    cached = detect.load_default

    def load_default():
        """The real (cached) loader; logs this process's pid on each real load."""
        if fail:
            from forewarn.errors import ModelError
            raise ModelError("test hook: the model cannot load")
        misses = cached.cache_info().misses
        detector = cached()
        if cached.cache_info().misses > misses:
            with open(log, "a") as handle:
                handle.write(f"{os.getpid()}\\n")
        return detector

    detect.load_default = pipeline.load_default = load_default

if crash or slow:
    import time
    import forewarn.batch.inputs as inputs

    real_read = inputs.read_item

    def read_item(item):
        if crash and item.id == crash:
            os._exit(3)
        time.sleep(slow)
        return real_read(item)

    inputs.read_item = read_item
'''


def install_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Path:
    """Put the hook on PYTHONPATH for processes started from now on; set its variables."""
    folder = tmp_path / "hook"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", f"{folder}:{Path(__file__).parents[1] / 'src'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return folder


def loads(log: Path) -> list[str]:
    """The pid of every real model load the hook logged."""
    return log.read_text().split() if log.exists() else []
