"""Allocation and picking: ``plan`` decides (routing, FIFO, batches, walk order); ``reserve``,
``service``, ``routing`` and the list modules (``lists`` and its parts) act; ``queries`` read."""
