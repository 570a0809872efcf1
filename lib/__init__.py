"""Shared by both apps: keyset pages, bounded counts, cached figures and the counters behind them,
and the link checker with its rule for which addresses the server may ask."""
