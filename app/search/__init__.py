"""What a clerk types, read the forgiving way every desk reads it: free text (``text.py``),
the stored folded keys (``keys.py``, ``customer_keys.py``), the customer search
(``customers.py``) and the one filter builder of every list view (``filters.py``)."""
