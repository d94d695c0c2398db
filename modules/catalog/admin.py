"""Admin for the catalog module's models."""
