"""Reads of the accounts module."""
