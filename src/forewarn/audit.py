"""Declared vs found.

(Contract) audit(declared: list[Declared], findings: list[Finding], metadata: Metadata) -> list[AuditItem]
"""
