"""Admin for the orders module's models."""
