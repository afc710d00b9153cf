"""Text: chapters, articles, news. Normalise, winnow, align."""

from swordnet.modalities.text.signal import TextSignal

__all__ = ["TextSignal"]
