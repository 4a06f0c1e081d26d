"""Passage scores -> document findings with severity and evidence.

(Contract) aggregate(passages: Sequence[Passage], scores: PassageScores) -> list[Finding]
"""
