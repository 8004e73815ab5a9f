"""Messages produced by (or addressed to) the identity service."""
