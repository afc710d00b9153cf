"""Enforcement cases: opened, gathered, decided, referred to partner agencies, closed.

``manage`` holds the officer's use cases, ``referrals`` the referrals and the agencies'
answers, ``shutdowns`` the re-checks that verify a site is gone, ``views`` what pages and
the API show; every change is written by ``events.case_event``.
"""
