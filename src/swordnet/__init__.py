"""SwordNet: find pirated copies of protected works, prove it, get them taken down,
account for it."""

__version__ = "0.1.0"
