"""Readers: bytes in, `Work` out. The format is sniffed from content, not the suffix.

(Contract; implementation is issue 2's ingest work.)
    read_path(path) -> Work       # raises forewarn.errors.* for bad input
    read_bytes(data, name="") -> Work
    read_raw(data, name="") -> RawDocument   # before segmentation
"""
