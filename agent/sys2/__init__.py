"""Sys2 — deliberation: requests, arbitration, Monte-Carlo planning, validation, replanning."""
