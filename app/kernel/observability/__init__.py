"""Observability: structlog logging, the per-request log line and Prometheus metrics."""
