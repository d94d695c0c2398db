"""Reads of the orders module."""
