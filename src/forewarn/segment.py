"""Chapters -> blocks (note / epigraph / lyrics / body / end-note) -> passages.

(Contract) build_work(raw: RawDocument) -> Work
"""
