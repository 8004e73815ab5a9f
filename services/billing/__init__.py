"""Billing service: plans, storage quota ledger, e-signature balance and statements."""
