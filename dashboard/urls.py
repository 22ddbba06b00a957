from django.urls import path

from dashboard.views import curation, queue

app_name = "dashboard"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("tickets/<int:pk>/", queue.ticket_detail, name="ticket"),
    path("knowledge/", curation.knowledge_list, name="knowledge"),
    path("knowledge/needs-review/", curation.needs_review, name="knowledge_needs_review"),
    path("knowledge/entries/<int:pk>/", curation.entry_detail, name="knowledge_entry"),
    path("knowledge/entries/<int:pk>/edit/", curation.entry_edit, name="knowledge_entry_edit"),
    path("knowledge/entries/<int:pk>/gold/", curation.entry_gold, name="knowledge_entry_gold"),
    path("knowledge/entries/<int:pk>/retire/", curation.entry_retire, name="knowledge_entry_retire"),
    path("knowledge/articles/<int:pk>/", curation.article_detail, name="knowledge_article"),
    path("knowledge/articles/<int:pk>/reviewed/", curation.article_reviewed, name="knowledge_article_reviewed"),
]
