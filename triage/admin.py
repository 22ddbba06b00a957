from django.contrib import admin

from triage import models


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "organisation", "tier", "plan"]
    list_filter = ["tier"]
    search_fields = ["name", "email", "organisation"]


class MessageInline(admin.TabularInline):
    model = models.Message
    extra = 0
    fields = ["direction", "author", "body", "message_id", "created_at"]


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "subject",
        "channel",
        "status",
        "team",
        "reviewer",
        "language",
        "sla_due_at",
        "created_at",
    ]
    list_filter = ["status", "channel", "language", "team", "needs_human_triage"]
    search_fields = ["subject", "raw_body", "external_id"]
    raw_id_fields = ["customer", "reviewer"]
    inlines = [MessageInline]


@admin.register(models.Classification)
class ClassificationAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "urgency",
        "category",
        "sentiment",
        "confidence",
        "engine",
        "taxonomy_version",
        "created_at",
    ]
    list_filter = ["urgency", "category", "sentiment", "engine"]
    raw_id_fields = ["ticket"]


@admin.register(models.Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "tier", "needs_clarification", "rules_version", "created_at"]
    list_filter = ["tier"]
    raw_id_fields = ["ticket"]


@admin.register(models.Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["ticket", "status", "engine", "language", "created_at"]
    list_filter = ["status", "engine"]
    raw_id_fields = ["ticket"]


@admin.register(models.Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "decision",
        "edit_distance",
        "reviewer",
        "seconds_spent",
        "created_at",
    ]
    list_filter = ["decision"]
    raw_id_fields = ["ticket", "draft"]


@admin.register(models.PipelineEvent)
class PipelineEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "stage", "started_at", "finished_at", "error"]
    list_filter = ["stage"]
    raw_id_fields = ["ticket"]


class TeamMembershipInline(admin.TabularInline):
    model = models.TeamMembership
    extra = 0


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "categories", "is_escalation_team", "escalation_team"]
    inlines = [TeamMembershipInline]


@admin.register(models.TaxonomyCategory)
class TaxonomyCategoryAdmin(admin.ModelAdmin):
    list_display = [
        "slug",
        "name",
        "subcategories",
        "escalate_immediately",
        "active",
    ]


@admin.register(models.Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["tier", "name", "voice", "max_words", "cite_sources"]


@admin.register(models.EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "tier", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(models.ConfigVersion)
class ConfigVersionAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "updated_at"]
    readonly_fields = ["kind", "version", "updated_at"]


@admin.register(models.TicketAction)
class TicketActionAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "amount", "currency", "by", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket"]


@admin.register(models.Outbound)
class OutboundAdmin(admin.ModelAdmin):
    list_display = ["ticket", "via", "status", "attempts", "sent_at", "created_at"]
    list_filter = ["status", "via"]
    raw_id_fields = ["ticket", "review"]
    readonly_fields = ["body", "last_error"]


@admin.register(models.EvaluationCase)
class EvaluationCaseAdmin(admin.ModelAdmin):
    list_display = ["id", "origin", "ticket", "created_by", "created_at"]
    list_filter = ["origin"]
    raw_id_fields = ["ticket"]


@admin.register(models.EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "name", "engine", "n", "seconds", "created_at"]
    list_filter = ["kind", "engine"]


@admin.register(models.SourceUsage)
class SourceUsageAdmin(admin.ModelAdmin):
    list_display = [
        "draft",
        "entry",
        "article",
        "version",
        "rank",
        "distance",
        "flagged_inaccurate",
    ]
    list_filter = ["flagged_inaccurate"]
    raw_id_fields = ["draft", "entry", "article"]
