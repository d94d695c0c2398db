"""Writes of the notifications module, one function per action, named ``<entity>_<action>``."""
