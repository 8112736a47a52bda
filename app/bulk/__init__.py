"""Bulk work shared by intake and the demo loader: one bulk writer (``insert``) and one
forked reader (``forked``) that makes batches in a second process while this one writes."""
