"""Persistence: one module (db) owns the engine, sessions, transactions and id sequences."""
