"""Warnings as data: the taxonomy ships as a versioned JSON file (`warnings.json`) so
that changing a description, a synonym or a mapping is a data change, not a code change.

The 36 warnings of the Webis "fine, open" taxonomy plus `profanity`, each with its group,
its AO3 Archive Warning (if any), the PAN 2023 labels it implies, the Webis passage
warnings it covers, and the synonyms authors use when declaring it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class WarningType:
    id: str
    name: str
    description: str
    group: str
    ao3_archive_warning: str | None
    pan23: tuple[str, ...]
    webis_passages: tuple[str, ...]
    synonyms: tuple[str, ...]
    rating_weight: int
    # Defined by the words on the page (profanity: "a strong swear word must actually
    # appear"), so a lexicon match is evidence enough on its own; see
    # forewarn.detect.learned.lexical_union.
    lexical: bool = False


@dataclass(frozen=True)
class Taxonomy:
    version: str
    warnings: tuple[WarningType, ...]
    pan23_labels: tuple[str, ...]
    ao3_archive_warnings: tuple[str, ...]

    @property
    def ids(self) -> list[str]:
        return [w.id for w in self.warnings]

    def get(self, warning_id: str) -> WarningType:
        for w in self.warnings:
            if w.id == warning_id:
                return w
        raise KeyError(warning_id)

    def __contains__(self, warning_id: object) -> bool:
        return any(w.id == warning_id for w in self.warnings)

    def lookup(self, phrase: str) -> str | None:
        """The warning id a declared phrase names ("MCD" -> death), or None."""
        return _synonym_index(self).get(normalise_phrase(phrase))

    def to_pan23(self, warning_ids: list[str] | set[str]) -> set[str]:
        return {label for w in warning_ids for label in self.get(w).pan23}

    def from_webis(self, webis_label: str) -> str | None:
        for w in self.warnings:
            if webis_label in w.webis_passages:
                return w.id
        return None


def normalise_phrase(phrase: str) -> str:
    """Lower-case, unify dashes/underscores/slashes spacing, drop surrounding punctuation."""
    p = phrase.lower().strip()
    p = re.sub(r"[\u2010-\u2015_]", "-", p)
    p = re.sub(r"\s+", " ", p)
    return p.strip(" .,;:!?\"'()[]*")


@cache
def _synonym_index(tax: Taxonomy) -> dict[str, str]:
    index: dict[str, str] = {}
    for w in tax.warnings:
        for s in (w.id, w.name, *w.synonyms):
            index.setdefault(normalise_phrase(s), w.id)
            index.setdefault(normalise_phrase(s).replace("-", " "), w.id)
    return index


@cache
def load() -> Taxonomy:
    raw = json.loads(resources.files(__package__).joinpath("warnings.json").read_text("utf-8"))
    return Taxonomy(
        version=raw["version"],
        warnings=tuple(
            WarningType(
                id=w["id"],
                name=w["name"],
                description=w["description"],
                group=w["group"],
                ao3_archive_warning=w["ao3_archive_warning"],
                pan23=tuple(w["pan23"]),
                webis_passages=tuple(w["webis_passages"]),
                synonyms=tuple(w["synonyms"]),
                rating_weight=int(w["rating_weight"]),
                lexical=bool(w.get("lexical", False)),
            )
            for w in raw["warnings"]
        ),
        pan23_labels=tuple(raw["pan23_labels"]),
        ao3_archive_warnings=tuple(raw["ao3_archive_warnings"]),
    )
