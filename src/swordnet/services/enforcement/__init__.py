"""Enforcement use cases: authorise, review, notify, deliver, re-check, escalate, pre-warn.

Each module owns one step; ``cycle`` runs the steps up to sending, for schedulers and the demo.
"""
