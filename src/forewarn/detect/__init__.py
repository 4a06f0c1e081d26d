"""Detectors: `load_default()` gives the best detector this installation has."""

from __future__ import annotations

from functools import cache

from forewarn.detect.base import Detector, PassageScores

__all__ = ["Detector", "PassageScores", "load_default"]


@cache
def load_default() -> Detector:
    """The shipped detector, loaded once per process (it is shared by scan, batch and serve).

    The learned detector when its model and embedding network are installed; otherwise
    (no embedding package, a model file missing or stale) the lexicon detector, so a
    scan still works. `FOREWARN_DETECTOR=lexicon` forces the lexicon."""
    import os

    from forewarn.detect.lexicon import LexiconDetector

    if os.environ.get("FOREWARN_DETECTOR", "").lower() != "lexicon":
        from forewarn.errors import ModelError

        try:
            from forewarn.detect.learned import load_learned

            return load_learned()
        except (ModelError, ImportError, OSError):
            pass
    return LexiconDetector()
