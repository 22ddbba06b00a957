from django.contrib import admin

from knowledge import models


@admin.register(models.KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "short_text",
        "category",
        "is_gold",
        "retired",
        "version",
        "resolved_at",
        "embedding_model",
    ]
    list_filter = ["category", "is_gold", "gold_proposed", "retired"]
    search_fields = ["text", "resolution", "response", "external_id"]
    exclude = ["embedding"]
    raw_id_fields = ["source_ticket"]

    @admin.display(description="text")
    def short_text(self, obj: models.KnowledgeEntry) -> str:
        return obj.text[:80]


class KBChunkInline(admin.TabularInline):
    model = models.KBChunk
    extra = 0
    fields = ["ordinal", "heading", "text", "article_version"]
    readonly_fields = fields


@admin.register(models.KBArticle)
class KBArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "category", "last_reviewed", "is_gold", "retired", "version"]
    list_filter = ["kind", "is_gold", "retired"]
    search_fields = ["title", "body"]
    inlines = [KBChunkInline]
