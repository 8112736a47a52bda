"""Orders read by people: the order lists (``queries.py``, their filters declared there),
one order read whole (``detail.py``), its history in words (``history.py``), ``cli.py``."""
