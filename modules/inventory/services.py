"""Writes of the inventory module, one function per action, named ``<entity>_<action>``."""
