"""SQL of the notify service: one async function per query, `conn` first, no transactions
inside (the caller owns them); one module per resource (replicas, preferences, feed,
deliveries)."""
