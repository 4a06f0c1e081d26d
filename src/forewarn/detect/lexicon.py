"""Lexicon detector with lemma matching, negation and idiom handling.

(Contract) class LexiconDetector: name, version, score(passages) -> PassageScores
"""
