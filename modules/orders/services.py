"""Writes of the orders module, one function per action, named ``<entity>_<action>``."""
