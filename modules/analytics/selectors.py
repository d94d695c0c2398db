"""Reads of the analytics module."""
