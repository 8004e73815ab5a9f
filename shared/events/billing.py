"""Messages produced by (or addressed to) the billing service."""
