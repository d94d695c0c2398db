"""Reads of the catalog module."""
