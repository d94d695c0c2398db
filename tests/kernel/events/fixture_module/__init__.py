"""A throwaway module ("evtest") for the event seam's tests: wired only by the tests (and by
the worker settings in tests/kernel/events/worker_settings.py), never in SEAMS_MODULES."""

MODULE = "evtest"
