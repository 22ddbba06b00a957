"""Configuration as data: the versioned defaults, seeding, and version counters."""
