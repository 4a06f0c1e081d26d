"""The detector contract: every detector scores passages for warnings and returns
calibrated probabilities, so detectors can be swapped, stacked or cascaded without the
rest of the pipeline knowing which one ran."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from forewarn.work import Passage


@dataclass
class PassageScores:
    """Scores for `passage_ids` x `warnings`.

    probs:       calibrated probability that the passage warrants the warning.
    thresholds:  per-warning decision threshold chosen on validation data.
    intensity:   0..1 how lingering/graphic the content looks (for severity), same shape.
    hits:        (passage index, warning) -> lexicon terms that matched, for explanations.
    severity_cuts: (mention below, graphic from) on `intensity`, when the detector's
                 intensity is a fitted severity scale; None: the aggregate's defaults.
    """

    warnings: list[str]
    passage_ids: list[str]
    probs: np.ndarray
    thresholds: dict[str, float]
    intensity: np.ndarray | None = None
    hits: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    severity_cuts: tuple[float, float] | None = None

    def column(self, warning: str) -> np.ndarray:
        return self.probs[:, self.warnings.index(warning)]


class Detector(Protocol):
    name: str
    version: str

    def score(self, passages: Sequence[Passage]) -> PassageScores: ...
