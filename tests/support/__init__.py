"""Helpers for tests: real servers, unique names, tokens, in-process services."""
