from django.urls import path

from dashboard.views import curation, evaluation, lead, tickets

app_name = "dashboard"

urlpatterns = [
    path("", tickets.queue, name="queue"),
    path("triage/", tickets.triage_queue, name="triage"),
    path("triage/<int:pk>/accept/", tickets.triage_accept, name="triage_accept"),
    path("tickets/<int:pk>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<int:pk>/events/", tickets.ticket_events, name="ticket_events"),
    path("tickets/<int:pk>/approve/", tickets.approve, name="ticket_approve"),
    path("tickets/<int:pk>/reject/", tickets.reject, name="ticket_reject"),
    path("tickets/<int:pk>/escalate/", tickets.escalate, name="ticket_escalate"),
    path("tickets/<int:pk>/wait/", tickets.wait_on_customer, name="ticket_wait"),
    path("tickets/<int:pk>/resolve/", tickets.resolve, name="ticket_resolve"),
    path("tickets/<int:pk>/action/", tickets.record_action, name="ticket_action"),
    path("tickets/<int:pk>/correct/", tickets.correct, name="ticket_correct"),
    path("tickets/<int:pk>/reassign/", tickets.reassign, name="ticket_reassign"),
    path("tickets/<int:pk>/outbound/<int:outbound_id>/retry/", tickets.retry_send, name="ticket_retry"),
    path("tickets/<int:pk>/sources/<int:usage_id>/flag/", tickets.flag_source, name="ticket_flag_source"),
    path("sla/", lead.sla_board, name="sla_board"),
    path("metrics/", lead.metrics_page, name="metrics"),
    path("metrics.csv", lead.metrics_csv, name="metrics_csv"),
    path("evaluation/", evaluation.runs, name="evaluation"),
    path("evaluation/replay/", evaluation.replay, name="evaluation_replay"),
    path("knowledge/", curation.knowledge_list, name="knowledge"),
    path("knowledge/needs-review/", curation.needs_review, name="knowledge_needs_review"),
    path("knowledge/entries/<int:pk>/", curation.entry_detail, name="knowledge_entry"),
    path("knowledge/entries/<int:pk>/edit/", curation.entry_edit, name="knowledge_entry_edit"),
    path("knowledge/entries/<int:pk>/gold/", curation.entry_gold, name="knowledge_entry_gold"),
    path("knowledge/entries/<int:pk>/retire/", curation.entry_retire, name="knowledge_entry_retire"),
    path("knowledge/articles/<int:pk>/", curation.article_detail, name="knowledge_article"),
    path("knowledge/articles/<int:pk>/reviewed/", curation.article_reviewed, name="knowledge_article_reviewed"),
]
