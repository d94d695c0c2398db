"""Writes of the catalog module, one function per action, named ``<entity>_<action>``."""
