"""Bounded-context modules; each imports only the kernel and other modules' api/events."""
