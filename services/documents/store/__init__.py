"""SQL of the documents service: one async function per query, `conn` first, no transactions
inside (the caller owns them). Every query names the firm."""
