"""The simulated multi-floor office."""
