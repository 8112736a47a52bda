"""One module per desk screen."""
