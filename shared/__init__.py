"""Plumbing shared by every service: settings, database, bus, events, HTTP, auth, telemetry.

Nothing here belongs to one service's domain.
"""
