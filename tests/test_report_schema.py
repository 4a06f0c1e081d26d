"""The report's JSON form: it round-trips, it is canonical, and it matches the published
JSON Schema (src/forewarn/report_schema.json, draft 2020-12).

Validation runs twice when it can: with `jsonschema` (present here as a dependency of
ray; the check is skipped cleanly without it) and always with the small validator below,
which implements exactly the keywords the schema uses and refuses any other, so the
schema cannot silently rely on something unchecked.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from fixtures import builders as b
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forewarn.ingest import DOCUMENT_FORMATS, read_bytes
from forewarn.pipeline import scan_work
from forewarn.report import (
    SCHEMA_VERSION,
    SEVERITIES,
    AuditItem,
    Credit,
    Declared,
    Evidence,
    Finding,
    Flag,
    ModelInfo,
    Report,
    Suggestions,
    WorkInfo,
)

SCHEMA: dict[str, Any] = json.loads(
    resources.files("forewarn").joinpath("report_schema.json").read_text(encoding="utf-8")
)

# ---------------------------------------------------------------- a small validator

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def mini_errors(
    value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$"
) -> list[str]:
    """Every violation of `schema` by `value`, as "path: problem" strings."""
    errors: list[str] = []
    for key, rule in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            assert rule.startswith("#/$defs/"), rule
            errors += mini_errors(value, root["$defs"][rule[len("#/$defs/") :]], root, at)
        elif key == "type":
            names = rule if isinstance(rule, list) else [rule]
            if not any(_TYPES[n](value) for n in names):
                errors.append(f"{at}: {value!r} is not of type {rule}")
        elif key == "const":
            if value != rule or type(value) is not type(rule):
                errors.append(f"{at}: {value!r} is not {rule!r}")
        elif key == "enum":
            if not any(value == e and type(value) is type(e) for e in rule):
                errors.append(f"{at}: {value!r} is not one of {rule}")
        elif key == "oneOf":
            matches = sum(not mini_errors(value, option, root, at) for option in rule)
            if matches != 1:
                errors.append(f"{at}: {value!r} matches {matches} of oneOf, not 1")
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        errors += mini_errors(value[name], sub, root, f"{at}.{name}")
        elif key == "required":
            if isinstance(value, dict):
                errors += [f"{at}: missing {name!r}" for name in rule if name not in value]
        elif key == "additionalProperties":
            assert rule is False, "only additionalProperties: false is implemented"
            if isinstance(value, dict):
                extra = set(value) - set(schema.get("properties", {}))
                errors += [f"{at}: unexpected {name!r}" for name in sorted(extra)]
        elif key == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    errors += mini_errors(item, rule, root, f"{at}[{i}]")
        elif key in ("minimum", "maximum"):
            if _TYPES["number"](value) and (value < rule if key == "minimum" else value > rule):
                errors.append(f"{at}: {value!r} is outside {key} {rule}")
        elif key == "minLength":
            if isinstance(value, str) and len(value) < rule:
                errors.append(f"{at}: {value!r} is shorter than {rule}")
        elif key == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                errors.append(f"{at}: {value!r} does not match {rule}")
        else:
            raise AssertionError(f"schema keyword {key!r} is not implemented by mini_errors")
    return errors


def _jsonschema_validator() -> Any:
    try:
        import jsonschema
    except ImportError:
        return None
    return jsonschema.Draft202012Validator(SCHEMA)


JSONSCHEMA = _jsonschema_validator()


def schema_errors(document: Any) -> list[str]:
    """Violations found by the small validator; when jsonschema is present it must agree."""
    errors = mini_errors(document, SCHEMA, SCHEMA)
    if JSONSCHEMA is not None:
        agrees = not list(JSONSCHEMA.iter_errors(document))
        assert agrees == (not errors), (
            errors,
            [e.message for e in JSONSCHEMA.iter_errors(document)],
        )
    return errors


# ---------------------------------------------------------------- the schema itself


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    if JSONSCHEMA is None:
        pytest.skip("jsonschema is not installed (the small validator still runs elsewhere)")
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_version_is_the_reports() -> None:
    assert SCHEMA["properties"]["schema_version"] == {"const": SCHEMA_VERSION}


@pytest.mark.parametrize(
    "cls",
    [
        Report,
        WorkInfo,
        ModelInfo,
        Finding,
        Evidence,
        Flag,
        Declared,
        Credit,
        AuditItem,
        Suggestions,
    ],
)
def test_schema_lists_exactly_the_dataclass_fields(cls: type) -> None:
    """A field added to a report dataclass must be added to the schema (and the schema
    version considered): this is where that is noticed."""
    node = SCHEMA if cls is Report else SCHEMA["$defs"][cls.__name__]
    names = [f.name for f in dataclasses.fields(cls)]
    assert sorted(node["properties"]) == sorted(names)
    assert sorted(node["required"]) == sorted(names)
    assert node["additionalProperties"] is False


def test_schema_formats_are_the_readers() -> None:
    assert SCHEMA["$defs"]["WorkInfo"]["properties"]["format"]["enum"] == list(DOCUMENT_FORMATS)


def test_schema_severities_are_the_reports() -> None:
    assert SCHEMA["$defs"]["Severity"]["enum"] == list(SEVERITIES)


# ---------------------------------------------------------------- hypothesis-built reports

_text = st.text(st.characters(codec="utf-8"), max_size=40)
_opt_text = st.none() | _text
_count = st.integers(0, 10**6)
_prob = st.floats(0, 1, allow_nan=False)
_sev = st.sampled_from(SEVERITIES)
_opt_sev = st.none() | _sev
_warning = st.from_regex(r"\A[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,6}){0,2}\Z")
_pid = st.builds(
    lambda c, p, s: f"c{c}-p{p}" + (f"-s{s}" if s else ""),
    st.integers(0, 99),
    st.integers(1, 999),
    st.integers(0, 9),
)
_evidence = st.builds(
    Evidence,
    passage_id=_pid,
    chapter=st.integers(0, 99),
    paragraph=st.integers(1, 999),
    start=_count,
    end=_count,
    quote=_text,
    probability=_prob,
    severity=_sev,
)
_finding = st.builds(
    Finding,
    warning=_warning,
    name=_text.filter(bool),
    probability=_prob,
    severity=_sev,
    evidence=st.lists(_evidence, max_size=3),
    passages=_count,
    flagged=st.lists(
        st.builds(Flag, passage_id=_pid, probability=_prob, severity=_sev), max_size=3
    ),
)
_declared = st.builds(
    Declared,
    phrase=_text,
    warning=st.none() | _warning,
    severity=_opt_sev,
    qualifier=_opt_text,
    source=st.sampled_from(["ao3-tag", "note", "rating"]),
)
_audit = st.builds(
    AuditItem,
    warning=_warning,
    status=st.sampled_from(
        [
            "agree",
            "declared-not-found",
            "found-not-declared",
            "severity-mismatch",
            "chose-not-to-warn",
        ]
    ),
    declared_severity=_opt_sev,
    found_severity=_opt_sev,
    probability=st.none() | _prob,
    message=_text,
    evidence=st.lists(_pid, max_size=3),
)
_suggestions = st.builds(
    Suggestions,
    rating=st.sampled_from(
        [None, "General Audiences", "Teen And Up Audiences", "Mature", "Explicit"]
    ),
    rating_reasons=st.lists(_text, max_size=3),
    archive_warnings=st.lists(
        st.sampled_from(
            [
                "Graphic Depictions Of Violence",
                "Major Character Death",
                "Rape/Non-Con",
                "Underage",
                "No Archive Warnings Apply",
            ]  # fmt: skip
        ),
        max_size=3,
    ),
    additional_tags=st.lists(_text, max_size=3),
    fandoms=st.lists(_text, max_size=2),
    characters=st.lists(_text, max_size=3),
    relationships=st.lists(_text, max_size=2),
)
reports = st.builds(
    Report,
    work=st.builds(
        WorkInfo,
        title=_opt_text,
        author=_opt_text,
        format=st.sampled_from(DOCUMENT_FORMATS),
        chapters=_count,
        words=_count,
        passages=_count,
        work_id=_opt_text,
        declared_rating=_opt_text,
        declared_archive_warnings=st.lists(_text, max_size=3),
    ),
    model=st.builds(ModelInfo, name=_text.filter(bool), version=_text.filter(bool)),
    findings=st.lists(_finding, max_size=3),
    declared=st.lists(_declared, max_size=3),
    audit=st.lists(_audit, max_size=3),
    credits=st.lists(st.builds(Credit, raw=_text, title=_opt_text, artist=_opt_text), max_size=2),
    suggestions=_suggestions,
)

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(reports, st.sampled_from([2, None]))
def test_report_json_round_trip(report: Report, indent: int | None) -> None:
    text = report.to_json(indent=indent)
    again = Report.from_json(text)
    assert again == report
    # canonical: the same report always serialises to the same bytes
    assert again.to_json(indent=indent) == text
    text.encode("utf-8")  # writable as UTF-8 (no lone surrogates)


@_SETTINGS
@given(reports)
def test_built_reports_match_the_schema(report: Report) -> None:
    assert schema_errors(json.loads(report.to_json())) == []


# ---------------------------------------------------------------- real reports

_SPEC = b.sample_spec()
REAL_INPUTS = {
    "text": (b.plain_text(_SPEC), "work.txt"),
    "markdown": (b.markdown(_SPEC), "work.md"),
    "html": (b.html_page(_SPEC), "work.html"),
    "ao3-work-page": (b.ao3_work_page_html(_SPEC), "work.html"),
    "ao3-download": (b.ao3_download_html(_SPEC), "work.html"),
    "ao3-epub": (b.ao3_epub(_SPEC), "work.epub"),
    "fanficfare-epub": (b.fanficfare_epub(_SPEC), "work.epub"),
    "epub": (b.generic_epub(_SPEC), "work.epub"),
    "docx": (b.docx(_SPEC), "work.docx"),
    "pan-jsonl": (b.pan_jsonl(_SPEC), "works.jsonl"),
}


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON (a NaN or infinite probability?)")


@pytest.mark.parametrize("kind", sorted(REAL_INPUTS))
def test_real_reports_match_the_schema(kind: str) -> None:
    data, name = REAL_INPUTS[kind]
    work = read_bytes(data, name=name)
    report = scan_work(work)
    document = json.loads(report.to_json(), parse_constant=_not_json)
    assert schema_errors(document) == []
    assert report.findings, "the sample story earns warnings; an empty report proves little"
    for finding in report.findings:
        for ev in finding.evidence:
            assert 0 <= ev.start <= ev.end <= len(work.text)
    assert Report.from_json(report.to_json()) == report


def test_cli_json_output_matches_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "story.epub"
    path.write_bytes(b.ao3_epub(_SPEC))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from forewarn.cli import main; main()",
            "scan",
            "--json",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert schema_errors(json.loads(done.stdout)) == []


# ---------------------------------------------------------------- the check can fail


def _sample_document() -> dict[str, Any]:
    data, name = REAL_INPUTS["ao3-download"]
    return json.loads(scan_work(read_bytes(data, name=name)).to_json())


BREAKAGES = {
    "missing top-level field": lambda d: d.pop("audit"),
    "unknown top-level field": lambda d: d.__setitem__("generated_at", "2024-01-01T00:00:00Z"),
    "wrong schema version": lambda d: d.__setitem__("schema_version", "2.0"),
    "probability above 1": lambda d: d["findings"][0].__setitem__("probability", 1.5),
    "unknown severity": lambda d: d["findings"][0].__setitem__("severity", "severe"),
    "bool as a count": lambda d: d["work"].__setitem__("chapters", True),
    "float as a count": lambda d: d["work"].__setitem__("words", 12.5),
    "bad passage id": lambda d: d["findings"][0]["evidence"][0].__setitem__("passage_id", "p7"),
    "extra evidence key": lambda d: d["findings"][0]["evidence"][0].__setitem__("x", 1),
    "unknown format": lambda d: d["work"].__setitem__("format", "pdf"),
    "unknown rating": lambda d: d["suggestions"].__setitem__("rating", "R"),
    "null list": lambda d: d["suggestions"].__setitem__("fandoms", None),
    "bad declared source": lambda d: d.__setitem__(
        "declared",
        [{"phrase": "x", "warning": None, "severity": None, "qualifier": None, "source": "?"}],
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_broken_documents_are_rejected(breakage: str) -> None:
    document = _sample_document()
    assert schema_errors(document) == []
    BREAKAGES[breakage](document)
    assert schema_errors(document) != []
