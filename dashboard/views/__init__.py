"""Dashboard views, one module per area: the queue and tickets, knowledge curation."""
