"""Every way a ticket comes in (API, web form, e-mail, chat, helpdesk webhooks) and
``ingest_ticket``."""
