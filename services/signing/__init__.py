"""Signing service: e-signing of PDFs with parties, order, methods, evidence and sealed PDFs."""
