"""Logging, request logging and (later) metrics and tracing."""
