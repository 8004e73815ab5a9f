"""Notify service: notification preferences, templates and email delivery."""
