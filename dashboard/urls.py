from django.urls import path

from dashboard.views import access, clients, curation, evaluation, lead, queue, rating, ticket

app_name = "dashboard"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("rate/<str:token>/", rating.rate, name="rate"),
    path("triage/", queue.triage_queue, name="triage"),
    path("triage/<int:pk>/accept/", queue.triage_accept, name="triage_accept"),
    path("tickets/<int:pk>/", ticket.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/insert/", ticket.insert_options, name="ticket_insert"),
    path("tickets/<int:pk>/note/", ticket.add_note, name="ticket_note"),
    path("tickets/<int:pk>/close/", ticket.close, name="ticket_close"),
    path("tickets/<int:pk>/merge/", ticket.merge, name="ticket_merge"),
    path("tickets/<int:pk>/outbox/", ticket.ticket_outbox, name="ticket_outbox"),
    path("tickets/<int:pk>/presence/", ticket.ticket_presence, name="ticket_presence"),
    path("tickets/<int:pk>/reply/", ticket.reply, name="ticket_reply"),
    path("tickets/<int:pk>/reject/", ticket.reject, name="ticket_reject"),
    path("tickets/<int:pk>/escalate/", ticket.escalate, name="ticket_escalate"),
    path("tickets/<int:pk>/wait/", ticket.wait_on_customer, name="ticket_wait"),
    path("tickets/<int:pk>/resolve/", ticket.resolve, name="ticket_resolve"),
    path("tickets/<int:pk>/action/", ticket.record_action, name="ticket_action"),
    path("tickets/<int:pk>/correct/", ticket.correct, name="ticket_correct"),
    path("tickets/<int:pk>/reassign/", ticket.reassign, name="ticket_reassign"),
    path(
        "tickets/<int:pk>/outbound/<int:outbound_id>/retry/", ticket.retry_send, name="ticket_retry"
    ),
    path(
        "tickets/<int:pk>/sources/<int:usage_id>/flag/",
        ticket.flag_source,
        name="ticket_flag_source",
    ),
    path("canned/", curation.canned_list, name="canned"),
    path("canned/new/", curation.canned_edit, name="canned_new"),
    path("canned/<int:pk>/", curation.canned_edit, name="canned_edit"),
    path("sla/", lead.sla_board, name="sla_board"),
    path("sla/calendars/", lead.sla_calendars, name="sla_calendars"),
    path("sla/ratings/<int:pk>/looked/", lead.rating_looked, name="rating_looked"),
    path("sla/calendars/<int:pk>/", lead.sla_calendars, name="sla_calendar_save"),
    path("metrics/", lead.metrics_page, name="metrics"),
    path("metrics.csv", lead.metrics_csv, name="metrics_csv"),
    path("metrics-trends.csv", lead.metrics_trends_csv, name="metrics_trends_csv"),
    path("metrics/difficulty/", lead.difficulty_page, name="difficulty"),
    path("metrics/difficulty/cap/<int:pk>/", lead.difficulty_cap, name="difficulty_cap"),
    path("evaluation/", evaluation.runs, name="evaluation"),
    path("evaluation/replay/", evaluation.replay, name="evaluation_replay"),
    path("evaluation/cases/<int:pk>/kind/", evaluation.case_kind, name="evaluation_case_kind"),
    path("knowledge/", curation.knowledge_list, name="knowledge"),
    path("knowledge/needs-review/", curation.needs_review, name="knowledge_needs_review"),
    path("knowledge/out-of-scope/", curation.out_of_scope, name="out_of_scope"),
    path("auto-send/", curation.auto_send_settings, name="auto_send"),
    path("sign-in-locks/", access.lockouts, name="lockouts"),
    path("api-clients/", clients.api_clients, name="api_clients"),
    path("api-clients/<int:pk>/webhook/", clients.api_client_webhook, name="api_client_webhook"),
    path("api-clients/<int:pk>/token/", clients.api_client_token, name="api_client_token"),
    path("api-clients/<int:pk>/revoke/", clients.api_client_revoke, name="api_client_revoke"),
    path("sign-in-locks/unlock/", access.unlock, name="unlock"),
    path(
        "knowledge/proposals/<int:pk>/", curation.proposal_decide, name="knowledge_proposal_decide"
    ),
    path("knowledge/entries/<int:pk>/", curation.entry_detail, name="knowledge_entry"),
    path("knowledge/entries/<int:pk>/edit/", curation.entry_edit, name="knowledge_entry_edit"),
    path("knowledge/entries/<int:pk>/gold/", curation.entry_gold, name="knowledge_entry_gold"),
    path(
        "knowledge/entries/<int:pk>/retire/", curation.entry_retire, name="knowledge_entry_retire"
    ),
    path("knowledge/articles/<int:pk>/", curation.article_detail, name="knowledge_article"),
    path(
        "knowledge/articles/<int:pk>/reviewed/",
        curation.article_reviewed,
        name="knowledge_article_reviewed",
    ),
]
