"""Messages produced by (or addressed to) the signing service."""
