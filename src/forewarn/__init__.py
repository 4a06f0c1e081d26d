"""forewarn: say what a fan-fiction work needs warning for, how strongly, and where.

The public API is small on purpose::

    import forewarn
    report = forewarn.scan_path("story.epub")
    print(report.to_json())
"""

from forewarn.errors import ForewarnError
from forewarn.pipeline import scan_bytes, scan_path, scan_text, scan_work
from forewarn.report import Report

__version__ = "0.1.0"

__all__ = [
    "ForewarnError",
    "Report",
    "scan_bytes",
    "scan_path",
    "scan_text",
    "scan_work",
    "__version__",
]
