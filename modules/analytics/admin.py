"""Admin for the analytics module's models."""
