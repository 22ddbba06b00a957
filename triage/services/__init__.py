"""Writes of the triage domain, one module per concern: ingest, seeding, pipeline stages."""
