"""The ``swordnet`` command line: thin commands over the services."""

from swordnet.cli.app import app, main

__all__ = ["app", "main"]
