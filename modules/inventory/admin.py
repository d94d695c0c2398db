"""Admin for the inventory module's models."""
