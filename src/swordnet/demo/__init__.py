"""The demonstration campaign: a catalogue and a simulated pirate web on loopback, crawled,
detected, noticed and re-checked, as ``swordnet demo`` and ``make demo`` run it.

It sits beside the command line, above the composition root: it builds its own container
on a fresh data directory and drives the same services a campaign would.
"""
