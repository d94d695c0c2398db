"""Black-box acceptance suite: HTTP API v1 and checkout saga outcomes against a running Seams.

It speaks HTTP to ``SEAMS_ACCEPTANCE_URL`` and nothing else: no import of ``app``,
``modules`` or ``tests`` (``tests/architecture/test_acceptance_isolation.py`` checks), no
database access. It seeds what it needs through the API (docs/acceptance.md).
"""
