"""Writes of the payments module, one function per action, named ``<entity>_<action>``."""
