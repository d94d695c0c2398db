"""Reads of the payments module."""
