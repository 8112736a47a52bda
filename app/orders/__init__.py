"""Orders read from a terminal: ``orderdesk orders list|show`` (``cli.py``) and how an
order's history reads in words (``history.py``). The read queries live in ``app/views``."""
