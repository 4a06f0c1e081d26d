"""What the author declared: AO3 preface tags and free-text warnings in notes.

(Contract) parse_declared(work: Work) -> list[Declared]; extract_credits(work: Work) -> list[Credit]
"""
