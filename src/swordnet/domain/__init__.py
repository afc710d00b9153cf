"""The domain: vocabulary, value objects and rules of copyright enforcement.

Nothing here performs I/O or imports another SwordNet package, so every rule can be
tested alone and reused by any entry point.
"""
