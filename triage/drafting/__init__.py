"""Drafting: context assembly, the local and openai draft engines, deterministic guards, handoff notes."""
