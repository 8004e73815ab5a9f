"""SQL of the billing service: one function per query, `conn` first, the caller owns the
transaction; one module per resource (accounts, reservations, purchases, ledger). Every query
names the firm, but for the expiry job's search of firms with lapsed reservations."""
