"""Errors a user can act on. Each carries a message fit for a one-line report."""

from __future__ import annotations


class SwordNetError(Exception):
    """Base class of every error SwordNet raises on purpose."""


class ConfigurationError(SwordNetError):
    """Settings are missing or invalid."""


class NotConfigured(SwordNetError):  # noqa: N818 - named after the Scrapy convention
    """A plug-in cannot run with the current settings and should be skipped."""


class DuplicatePluginError(SwordNetError):
    """Two plug-ins of one kind claim the same name."""


class UnknownPluginError(SwordNetError):
    """No plug-in of that kind has that name."""


class MediaError(SwordNetError):
    """A media item cannot be fingerprinted."""


class UnsupportedMediaError(MediaError):
    """No registered signal type understands this file."""


class CorruptMediaError(MediaError):
    """The file claims a format it does not hold, or is damaged."""


class MediaTooLargeError(MediaError):
    """The file or its decoded form exceeds the configured limits."""


def over_budget(name: str, amount: str, limit: str, setting: str) -> MediaTooLargeError:
    """The error for an item refused by a resource budget: what it needs, what the budget
    allows, and the setting an operator raises to let such items through."""
    return MediaTooLargeError(
        f"{name}: {amount} is over the budget of {limit} per item ({setting}); "
        f"refused without fingerprinting: raise {setting} to process such items"
    )


class UnsafeAddressError(SwordNetError):
    """A URL resolves to an address the crawler must not reach."""


class FetchError(SwordNetError):
    """A URL could not be fetched; the message says why."""


class NotFoundError(SwordNetError):
    """A record that was asked for does not exist."""
