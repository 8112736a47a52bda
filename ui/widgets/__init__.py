"""Widgets and models shared by several screens."""
