"""Messages produced by (or addressed to) the documents service."""
