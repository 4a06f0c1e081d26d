"""The report as a person reads it in a terminal: warnings first, then what the author
declared against what was found, then the evidence with its location."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from forewarn.report import AuditItem, Finding, Report

SEVERITY_STYLE = {"mention": "yellow", "depiction": "dark_orange", "graphic": "bold red"}
AUDIT_LABEL = {
    "agree": ("declared and found", "green"),
    "declared-not-found": ("declared, not found", "cyan"),
    "found-not-declared": ("found, NOT declared", "bold red"),
    "severity-mismatch": ("stronger than declared", "dark_orange"),
    "chose-not-to-warn": ("found (author chose not to warn)", "magenta"),
}


def location(chapter: int, paragraph: int) -> str:
    return f"ch. {chapter}, ¶ {paragraph}" if chapter else f"front matter, ¶ {paragraph}"


def render(report: Report, console: Console, evidence_per_warning: int = 2) -> None:
    console.print(_header(report))
    console.print(_findings_table(report.findings))
    if report.audit:
        console.print(_audit_table(report.audit))
    if report.findings and evidence_per_warning > 0:
        console.print(_evidence(report.findings, evidence_per_warning))
    console.print(_suggestions(report))


def _header(report: Report) -> Panel:
    w = report.work
    title = Text(w.title or "(untitled)", style="bold")
    if w.author:
        title.append(f"  by {w.author}", style="italic")
    facts = Text(
        f"{w.format} · {w.chapters} chapter{'s' if w.chapters != 1 else ''} · "
        f"{w.words:,} words · {w.passages} passages · model {report.model.name} {report.model.version}",
        style="dim",
    )
    return Panel(Group(title, facts), title="forewarn", expand=False)


def _findings_table(findings: list[Finding]) -> Table | Text:
    if not findings:
        return Text("No warnings found.", style="green")
    table = Table(title="Warnings found", title_justify="left", show_lines=False)
    table.add_column("warning")
    table.add_column("severity")
    table.add_column("confidence", justify="right")
    table.add_column("passages", justify="right")
    table.add_column("first seen")
    for f in findings:
        first = min(f.evidence, key=lambda e: (e.chapter, e.paragraph), default=None)
        table.add_row(
            f.name,
            Text(f.severity, style=SEVERITY_STYLE.get(f.severity, "")),
            f"{f.probability:.0%}",
            str(f.passages),
            location(first.chapter, first.paragraph) if first else "",
        )
    return table


def _audit_table(items: list[AuditItem]) -> Table:
    table = Table(title="Declared vs found", title_justify="left")
    table.add_column("warning")
    table.add_column("status")
    table.add_column("details", overflow="fold")
    for item in items:
        label, style = AUDIT_LABEL.get(item.status, (item.status, ""))
        table.add_row(item.warning, Text(label, style=style), Text(item.message))
    return table


def _evidence(findings: list[Finding], per_warning: int) -> Group:
    parts: list[Text] = [Text("Evidence", style="bold underline")]
    for f in findings:
        parts.append(Text(f"{f.name} ({f.severity})", style=SEVERITY_STYLE.get(f.severity, "")))
        for e in f.evidence[:per_warning]:
            line = Text(f"  {location(e.chapter, e.paragraph)}  ", style="dim")
            line.append(f"“{e.quote}”")
            line.append(f"  {e.probability:.0%}", style="dim")
            parts.append(line)
    return Group(*parts)


def _suggestions(report: Report) -> Group:
    s = report.suggestions
    lines: list[Text] = [Text("Suggested for AO3", style="bold underline")]
    if s.rating:
        line = Text("  Rating: ", style="bold")
        line.append(s.rating)
        if s.rating_reasons:
            line.append(f" ({'; '.join(s.rating_reasons)})", style="dim")
        lines.append(line)
    lines.append(_labelled("Archive Warnings", s.archive_warnings or ["No Archive Warnings Apply"]))
    for label, values in (
        ("Additional Tags", s.additional_tags),
        ("Fandoms", s.fandoms),
        ("Relationships", s.relationships),
        ("Characters", s.characters),
    ):
        if values:
            lines.append(_labelled(label, values))
    if report.credits:
        credits = [
            f"{c.title} by {c.artist}" if c.title and c.artist else c.raw for c in report.credits
        ]
        lines.append(_labelled("Credits", credits))
    return Group(*lines)


def _labelled(label: str, values: list[str]) -> Text:
    line = Text(f"  {label}: ", style="bold")
    line.append(", ".join(values))
    return line
