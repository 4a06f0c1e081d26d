"""Detectors: `load_default()` gives the best detector this installation has."""

from __future__ import annotations

from functools import cache

from forewarn.detect.base import Detector, PassageScores

__all__ = ["Detector", "PassageScores", "load_default"]


@cache
def load_default() -> Detector:
    """The shipped detector, loaded once per process (it is shared by scan, batch and serve)."""
    from forewarn.detect.lexicon import LexiconDetector

    return LexiconDetector()
