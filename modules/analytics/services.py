"""Writes of the analytics module, one function per action, named ``<entity>_<action>``."""
