"""Bytes -> clean str: encoding detection and character clean-up shared by all readers.

Why not just charset-normalizer: on short Western texts it confidently answers
`cp852` or `mac_latin2` for plain cp1252/latin-1 bytes, which mangles every accented
letter. Fan fiction that is not UTF-8 is overwhelmingly Windows-1252 or Latin-1, so
sparse high bytes (accents and smart quotes among ASCII words) are read as cp1252, and
charset-normalizer only decides for *dense* high bytes (Cyrillic, CJK, ...).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from forewarn.errors import EncodingError, UnsupportedFormat
from forewarn.limits import MAX_BINARY_RATIO, SNIFF_BYTES

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls except TAB, LF, VT, FF, CR, plus DEL: their share tells text from binary.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13)) + b"\x7f"

# Everything a reader never wants in text: C0 controls but TAB/LF, DEL, C1 controls,
# zero-width space and BOM / zero-width no-break space. ZWJ/ZWNJ stay (they carry meaning
# in emoji and Persian), and so do RTL marks and RTL text.
_ASCII_DELETE = bytes(range(0, 9)) + b"\x0b" + bytes(range(0x0E, 0x20)) + b"\x7f"
# (UTF-8 of U+0085 NEL, U+2028, U+2029 -> newline; U+200B, U+FEFF -> removed)
_MULTIBYTE_FIXES = (
    (b"\xc2\x85", b"\n"),
    (b"\xe2\x80\xa8", b"\n"),
    (b"\xe2\x80\xa9", b"\n"),
    (b"\xe2\x80\x8b", b""),
    (b"\xef\xbb\xbf", b""),
)
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")

# What cp1252 puts at 0x80-0x9F (smart quotes, dashes, euro...): plausible in Western text.
_WESTERN_EXTRA = set("‘’‚“”„†‡•…‰‹›€™–—˜ˆŠšŽžŒœŸƒ")


def bom_encoding(data: bytes) -> str | None:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def _utf16_without_bom(sample: bytes) -> str | None:
    """ASCII-heavy UTF-16 has a NUL in every other byte; spot which side."""
    if len(sample) < 4:
        return None
    even = sample[0::2]
    odd = sample[1::2]
    even_nul = even.count(0) / len(even)
    odd_nul = odd.count(0) / len(odd)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def binary_ratio(sample: bytes) -> float:
    """Share of bytes that never occur in text (NUL and other C0 controls)."""
    if not sample:
        return 0.0
    return (len(sample) - len(sample.translate(None, _CONTROL_BYTES))) / len(sample)


def check_not_binary(data: bytes) -> None:
    """Raise UnsupportedFormat when the start of the data looks like binary junk."""
    sample = data[:SNIFF_BYTES]
    if binary_ratio(sample) > MAX_BINARY_RATIO:
        raise UnsupportedFormat(
            "this looks like a binary file, not text, HTML, EPUB or DOCX; nothing to read"
        )


def _cp1252_lenient(data: bytes) -> str:
    """cp1252 with latin-1 for its five undefined bytes (so it never fails)."""
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chunk.decode("cp1252") if i % 2 == 0 else chunk.decode("latin-1")
            for i, chunk in enumerate(re.split(b"([\x81\x8d\x8f\x90\x9d]+)", data))
        )


def _looks_western(data: bytes) -> bool:
    """High bytes sparse among ASCII letters, and decoding to plausible Western characters."""
    sample = data[: SNIFF_BYTES * 4]
    high = sum(1 for b in sample if b >= 0x80)
    if high == 0:
        return True
    letters = sum(1 for b in sample if 65 <= b <= 90 or 97 <= b <= 122)
    if high / (high + letters) > 0.3:
        return False
    decoded = _cp1252_lenient(sample)
    odd = 0
    total = 0
    for ch in decoded:
        if ord(ch) < 0x80:
            continue
        total += 1
        if not (0xA0 <= ord(ch) <= 0xFF or ch in _WESTERN_EXTRA):
            odd += 1
    return total == 0 or odd / total < 0.1


#: Pseudo-encoding: UTF-8 with a few stray Windows-1252 bytes (copy-paste damage).
MIXED_UTF8 = "utf-8+cp1252"
_UTF8_MULTI = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 sequences outnumber the stray high bytes left over."""
    sample = data[: SNIFF_BYTES * 16]
    valid = len(_UTF8_MULTI.findall(sample))
    if not valid:
        return False
    stray = len(_HIGH_BYTE.findall(_UTF8_MULTI.sub(b"", sample)))
    return valid >= stray


def _cp1252_errors(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    bad = exc.object[exc.start : exc.end]
    return _cp1252_lenient(bytes(bad)), exc.end


codecs.register_error("forewarn-cp1252", _cp1252_errors)


def detect_encoding(data: bytes) -> str:
    """Name of the codec to decode `data` with; EncodingError when undecidable.

    Order: BOM, UTF-16 by NUL pattern, strict UTF-8, Western single-byte (cp1252 /
    latin-1), then charset-normalizer for dense non-Latin single/multi-byte encodings."""
    bom = bom_encoding(data)
    if bom:
        return bom
    utf16 = _utf16_without_bom(data[:SNIFF_BYTES])
    if utf16:
        return utf16
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A file cut mid-character at the end is still UTF-8.
        if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    if _mostly_utf8(data):
        return MIXED_UTF8
    if _looks_western(data):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data[: SNIFF_BYTES * 4]).best()
    if best is None or best.encoding is None:
        raise EncodingError(
            "cannot tell which text encoding this file uses; save it as UTF-8 and try again"
        )
    return best.encoding


def codec_name(encoding: str) -> str:
    """The canonical codec name for what a user typed ("CP1250" -> "cp1250",
    "latin1" -> "iso8859-1");
    EncodingError for a name Python does not know."""
    try:
        return codecs.lookup(encoding.strip()).name
    except (LookupError, ValueError):
        raise EncodingError(f"unknown text encoding {encoding!r}") from None


def decode_as(data: bytes, encoding: str) -> str:
    """Decode with the encoding the user named, strictly: when the detector's guess is
    wrong (a short Central-European text read as cp1252, say) the user says what the
    file is, and a file that is not valid in it is an error, not silent mojibake."""
    name = codec_name(encoding)
    if not name.startswith(("utf-16", "utf-32")):
        check_not_binary(data)
    body = data
    for mark, bom in _BOMS:
        if data.startswith(mark) and bom.replace("-sig", "") == name.replace("-sig", ""):
            body = data[len(mark) :]
            break
    try:
        return body.decode(name, errors="strict")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"the file is not valid {name}: byte 0x{body[exc.start]:02x} at offset {exc.start}"
        ) from None


def decode(data: bytes, encoding: str | None = None) -> str:
    """Decode bytes to text (BOM removed); raises EncodingError or UnsupportedFormat.
    `encoding` overrides detection (see `decode_as`)."""
    if encoding:
        return decode_as(data, encoding)
    if bom_encoding(data) is None and _utf16_without_bom(data[:SNIFF_BYTES]) is None:
        check_not_binary(data)
    encoding = detect_encoding(data)
    if encoding == "cp1252":
        return _cp1252_lenient(data)
    if encoding == MIXED_UTF8:
        return data.decode("utf-8", errors="forewarn-cp1252")
    bom = bom_encoding(data)
    body = data
    if bom == encoding:
        for mark, name in _BOMS:
            if name == bom:
                body = data[len(mark) :]
                break
    try:
        return body.decode(encoding, errors="strict")
    except UnicodeDecodeError:
        # Truncated multi-byte tail or a few stray bytes: keep the text, mark the damage.
        text = body.decode(encoding, errors="replace")
        if text.count("\ufffd") > max(10, len(text) // 100):
            raise EncodingError(
                f"the file is not valid {encoding}: too many undecodable bytes"
            ) from None
        return text
    except LookupError:
        raise EncodingError(f"unknown text encoding {encoding!r}") from None


def clean_text(text: str) -> str:
    """Normalise newlines to LF, drop control and zero-width characters, NFC-normalise.

    Done on the UTF-8 bytes with bytes.replace/translate, which run at memory speed: a
    regex pass over a 50 MB single line costs about a second each. Safe because in UTF-8
    an ASCII byte never occurs inside a multi-byte character and lead bytes are unique."""
    raw = text.encode("utf-8", errors="replace")
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    raw = raw.replace(b"\x0c", b"\n").replace(b"\t", b" ")
    if not text.isascii():
        for seq, repl in _MULTIBYTE_FIXES:
            if seq in raw:
                raw = raw.replace(seq, repl)
        if b"\xc2" in raw:
            raw = _C1_UTF8.sub(b"", raw)
    raw = raw.translate(None, _ASCII_DELETE)
    text = raw.decode("utf-8")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text
