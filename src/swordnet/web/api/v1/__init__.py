"""Version 1 of the API, under ``/api/v1``: one module per resource, each with a ``router``."""
