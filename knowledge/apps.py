from django.apps import AppConfig
from django.db.backends.signals import connection_created


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from knowledge.retrieval import set_search_params  # noqa: PLC0415 -- models are ready now

        connection_created.connect(set_search_params, dispatch_uid="knowledge-hnsw-settings")
