"""Writes of the accounts module, one function per action, named ``<entity>_<action>``."""
