"""Boundaries that CI proves, all derived from the module manifests.

- :mod:`.contracts`: generates ``importlinter.ini`` (import contracts) from the manifests;
- :mod:`.checks`: Django system checks ``seams.E001``… (relations, ``apps.get_model``,
  signals, model ownership, subscriptions, manifests, api attribution, stale baseline);
- :mod:`.guard`: the runtime data-ownership guard (a database execute wrapper);
- :mod:`.middleware`: attributes each request to the module of the view that handles it;
- :mod:`.baseline`: the ratchet: known violations that are tolerated, and only shrink;
- :mod:`.describe`: what ``manage.py modules`` prints and ``docs/modules.md`` holds.

The rules, why they exist and what they cost: ``docs/decisions/0002-boundaries.md``.
"""
