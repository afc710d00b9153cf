"""A third-party signal type for the tests: nothing of SwordNet names it.

``tests/e2e/test_extra_signal.py`` installs it through a ``swordnet.signals`` entry point,
as a plug-in from PyPI would be, and checks that the catalogue, ``scan``, a crawl and a
notice handle its modality with no change to SwordNet.
"""

from swordnet_extra_signal.signal import BLOB_MAGIC, BytesIndex, BytesSignal

__all__ = ["BLOB_MAGIC", "BytesIndex", "BytesSignal"]
