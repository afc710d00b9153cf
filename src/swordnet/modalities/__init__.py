"""Modalities: one folder each, holding its signal types (fingerprinter + index)."""
