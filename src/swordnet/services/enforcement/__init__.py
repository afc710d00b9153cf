"""Enforcement use cases: authorise, review, notify, deliver, re-check, escalate, pre-warn.

Each module owns one step; ``cycle`` runs them in order for the demo and for schedulers.
"""
