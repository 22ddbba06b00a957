"""What people do with a ticket: decisions on drafts, the outbox, operations, feedback into
knowledge."""
