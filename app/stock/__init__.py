"""Stock: receiving, moves between bins, counts, incoming stock, thresholds, warehouse setup."""
