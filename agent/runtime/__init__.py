"""The in-process runtime: the whole agent living in the simulated office."""
