"""Accounts.

Owns: users, credentials, JWT issue and refresh.
Public: api: look up a customer.
Publishes: CustomerRegistered.
Consumes: nothing.
"""
