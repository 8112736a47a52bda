"""Labels and printed warehouse documents: plain data in, PDF or ZPL bytes out.

No Qt and no database here: the picking, packing and shipping services build the documents
(``model.py``) and these layouts draw them.
"""
