"""The HTML pages: one module per group of pages, each with a ``router``."""
