"""Reads of the notifications module."""
