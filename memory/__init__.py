"""Episodic memory on ChromaDB."""
