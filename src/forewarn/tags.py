"""AO3 suggestions: rating, Archive Warnings, Additional Tags, fandom/characters/relationships.

(Contract) suggest(work: Work, findings: list[Finding]) -> Suggestions
"""
