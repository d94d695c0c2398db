"""The ``benchlat`` module of bench/events_latency.py: installed only by its settings."""
