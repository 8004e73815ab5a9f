"""Messages produced by (or addressed to) the notify service."""
