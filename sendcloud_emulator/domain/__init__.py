"""State and rules, one module per SendCloud module. Never imports the HTTP layer."""
