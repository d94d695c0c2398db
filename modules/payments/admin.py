"""Admin for the payments module's models."""
