"""Admin for the notifications module's models."""
