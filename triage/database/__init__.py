"""A thin PostgreSQL backend that starts the embedded server on the first connection (see
``base``)."""
