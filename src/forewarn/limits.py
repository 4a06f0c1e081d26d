"""Every cap the readers enforce, in one place, as named constants.

Why here and not inline: hostile or broken files are refused by *size and shape* before
they are parsed, and the numbers behind those refusals should be easy to find, review and
test. Only the overall input size is configurable (environment `FOREWARN_MAX_BYTES`, or
the `max_bytes` argument of the readers); the others are safety margins, not tuning knobs.
"""

from __future__ import annotations

import os
import re

MB = 1024 * 1024

#: Default largest input accepted, in bytes (a long novel as EPUB is a few MB).
DEFAULT_MAX_BYTES = 50 * MB
#: Environment variable that overrides DEFAULT_MAX_BYTES ("80000000", "80M", "1G").
MAX_BYTES_ENV = "FOREWARN_MAX_BYTES"

# --- ZIP containers (EPUB, DOCX) -------------------------------------------------------
#: More members than this is not a book: refuse (zip bombs with many tiny entries).
MAX_ZIP_ENTRIES = 10_000
#: Sum of the *declared* uncompressed sizes of all members.
MAX_ZIP_TOTAL_UNCOMPRESSED = 512 * MB
#: Largest single member we will decompress (declared and actual).
MAX_ZIP_MEMBER_BYTES = 64 * MB
#: Declared uncompressed / compressed size above which a member is a bomb.
MAX_COMPRESSION_RATIO = 200
#: The ratio check only applies to members at least this large once uncompressed
#: (tiny files of repeated characters legitimately compress very well).
COMPRESSION_RATIO_MIN_BYTES = 1 * MB
#: Members are read in chunks of this size so a lying header cannot make us allocate more.
ZIP_READ_CHUNK = 64 * 1024

# --- Text ---------------------------------------------------------------------------------
#: Bytes looked at when sniffing the format and guessing the encoding.
SNIFF_BYTES = 64 * 1024
#: Share of control/NUL bytes in the sniffed sample above which the input is binary junk.
MAX_BINARY_RATIO = 0.10
#: A "word" (run of non-space characters) longer than this is cut to this length.
MAX_WORD_CHARS = 1_000
#: A paragraph longer than this is split at a sentence or space boundary.
MAX_PARAGRAPH_CHARS = 20_000
#: Lines longer than this are never considered as headings, titles or bylines.
MAX_HEADING_CHARS = 120

# --- Structure ------------------------------------------------------------------------
#: More chapters than this is not a work (a heading pattern gone wrong, or hostile input):
#: the extra headings are kept as ordinary paragraphs.
MAX_CHAPTERS = 2_000
#: HTML/XML nesting deeper than this is refused as hostile.
MAX_HTML_DEPTH = 2_000
#: Longest line of a PAN JSONL file (one work).
MAX_JSONL_LINE_BYTES = DEFAULT_MAX_BYTES

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": MB, "g": 1024 * MB}


def parse_size(text: str) -> int | None:
    """ "50000000", "50M", "50MB", "1g" -> bytes; anything else -> None."""
    match = _SIZE.match(text)
    if not match:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def max_bytes(override: int | None = None) -> int:
    """The input size limit in force: explicit argument, else the environment, else the
    default. An unparsable environment value is ignored rather than crashing the CLI."""
    if override is not None:
        return override
    env = os.environ.get(MAX_BYTES_ENV)
    if env:
        parsed = parse_size(env)
        if parsed is not None and parsed > 0:
            return parsed
    return DEFAULT_MAX_BYTES
