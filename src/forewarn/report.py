"""The report: one versioned, JSON-serialisable answer that the CLI, the API, the
library and the batch engines all emit. Plain dataclasses; `to_dict` sorts nothing
itself, `to_json` sorts keys so the same input gives the same bytes."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SCHEMA_VERSION = "1.0"
Severity = Literal["mention", "depiction", "graphic"]
SEVERITIES: tuple[str, ...] = ("mention", "depiction", "graphic")
AuditStatus = Literal[
    "agree", "declared-not-found", "found-not-declared", "severity-mismatch", "chose-not-to-warn"
]


@dataclass
class Evidence:
    """One passage that earns a warning, located so a reader can find it."""

    passage_id: str
    chapter: int
    paragraph: int
    start: int
    end: int
    quote: str
    probability: float
    severity: Severity = "depiction"


@dataclass
class Flag:
    """Every passage over a warning's threshold (not only the quoted evidence), so a
    read-safely view can fold each one."""

    passage_id: str
    probability: float
    severity: Severity


@dataclass
class Finding:
    warning: str
    name: str
    probability: float
    severity: Severity
    evidence: list[Evidence] = field(default_factory=list)
    passages: int = 0  # how many passages passed the warning's threshold
    flagged: list[Flag] = field(default_factory=list)


@dataclass
class Declared:
    """A warning the author declared. `warning` is a taxonomy id, or None when the
    phrase was understood as a warning but matches nothing in the taxonomy."""

    phrase: str
    warning: str | None
    severity: Severity | None = None
    qualifier: str | None = None
    source: str = "note"  # "ao3-tag" | "note" | "rating"


@dataclass
class Credit:
    """A song or other source the author credits ("Song used is X by Y")."""

    raw: str
    title: str | None = None
    artist: str | None = None


@dataclass
class AuditItem:
    warning: str
    status: AuditStatus
    declared_severity: Severity | None = None
    found_severity: Severity | None = None
    probability: float | None = None
    message: str = ""
    evidence: list[str] = field(default_factory=list)  # passage ids


@dataclass
class Suggestions:
    rating: str | None = None
    rating_reasons: list[str] = field(default_factory=list)
    archive_warnings: list[str] = field(default_factory=list)
    additional_tags: list[str] = field(default_factory=list)
    fandoms: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)


@dataclass
class WorkInfo:
    title: str | None
    author: str | None
    format: str
    chapters: int
    words: int
    passages: int
    work_id: str | None = None
    declared_rating: str | None = None
    declared_archive_warnings: list[str] = field(default_factory=list)


@dataclass
class ModelInfo:
    name: str
    version: str


@dataclass
class Report:
    work: WorkInfo
    model: ModelInfo
    findings: list[Finding] = field(default_factory=list)
    declared: list[Declared] = field(default_factory=list)
    audit: list[AuditItem] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    suggestions: Suggestions = field(default_factory=Suggestions)
    schema_version: str = SCHEMA_VERSION

    def finding(self, warning: str) -> Finding | None:
        return next((f for f in self.findings if f.warning == warning), None)

    @property
    def warnings(self) -> list[str]:
        return [f.warning for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(
            self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False, allow_nan=False
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported report schema {data.get('schema_version')!r}")
        return cls(
            work=_build(WorkInfo, data["work"]),
            model=_build(ModelInfo, data["model"]),
            findings=[
                _build(
                    Finding,
                    {
                        **f,
                        "evidence": [_build(Evidence, e) for e in f["evidence"]],
                        "flagged": [_build(Flag, g) for g in f.get("flagged", [])],
                    },
                )
                for f in data.get("findings", [])
            ],
            declared=[_build(Declared, d) for d in data.get("declared", [])],
            audit=[_build(AuditItem, a) for a in data.get("audit", [])],
            credits=[_build(Credit, c) for c in data.get("credits", [])],
            suggestions=_build(Suggestions, data.get("suggestions", {})),
            schema_version=data["schema_version"],
        )

    @classmethod
    def from_json(cls, text: str) -> Report:
        return cls.from_dict(json.loads(text))


def _build(cls: Any, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
