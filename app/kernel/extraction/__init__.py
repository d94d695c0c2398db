"""Extraction: what it takes to move one module out of its service (or back in).

- :mod:`.api_uses`: which other modules' api functions a module's code uses, and where
  (read from the source with ``ast``);
- :mod:`.coupling`: everything that ties a module to the rest: api calls in and out, events
  in and out (with their delivery), tables, relations across its boundary, the boundaries
  baseline entries naming it;
- :mod:`.readiness`: the topology it would move into, the verdict (ready, ready with
  warnings, blocked) with its reasons, and the ordered steps;
- :mod:`.move`: copying its rows between two databases and verifying the copy.

``manage.py extraction report|move-data`` (docs/extraction.md). Nothing here names a module.
"""
