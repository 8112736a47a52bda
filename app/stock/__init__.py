"""Stock: receiving, moves between bins, counts (``service``), incoming deliveries, thresholds
and warehouse setup; ``rules`` decides, ``queries`` read, ``cli`` and ``bench`` drive them."""
