"""The runtime install must stay small: no deep-learning framework may ride in.

Why: an unpinned torch pulled in by any dependency resolves to a multi-GB CUDA build, and
the scan itself only needs onnxruntime. This walks the installed metadata of forewarn's
runtime requirements (no extras) and fails if torch or sentence-transformers is among
them, so a new dependency that drags them in is caught on the next `make test`.
"""

from __future__ import annotations

import re
from importlib import metadata

from packaging.requirements import Requirement

FORBIDDEN = {"torch", "sentence-transformers", "tensorflow", "jax"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(root: str) -> dict[str, str]:
    """Every distribution reachable from `root` through non-extra requirements, mapped
    to the distribution that asked for it first."""
    seen: dict[str, str] = {_norm(root): ""}
    todo = [root]
    while todo:
        name = todo.pop()
        try:
            reqs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for raw in reqs:
            req = Requirement(raw)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            key = _norm(req.name)
            if key not in seen:
                seen[key] = name
                todo.append(req.name)
    return seen


def test_runtime_closure_has_no_deep_learning_framework() -> None:
    closure = runtime_closure("forewarn")
    assert "onnxruntime" in closure  # the walk really followed forewarn's requirements
    bad = {k: v for k, v in closure.items() if k in FORBIDDEN}
    assert not bad, f"runtime dependencies pull in {bad} (name -> required by)"


def test_closure_walk_sees_transitive_requirements() -> None:
    # uvicorn needs click, a requirement of a requirement: the walk must go that deep.
    assert "click" in runtime_closure("forewarn")
