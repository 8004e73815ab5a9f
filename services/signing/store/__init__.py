"""SQL of the signing service: one function per query, the caller owns the transaction."""
