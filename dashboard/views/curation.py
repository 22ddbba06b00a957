"""Knowledge-base curation for admins: browse, search, similar, edit (versioned), gold, retire,
needs review."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dashboard import selectors as page_selectors
from dashboard.access import require_admin
from dashboard.forms import EntryForm
from knowledge import selectors, services
from knowledge.models import KBArticle, KnowledgeEntry


def _entry(request: HttpRequest, pk: int) -> KnowledgeEntry:
    require_admin(request.user)
    return get_object_or_404(KnowledgeEntry, pk=pk)


@login_required
def knowledge_list(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "").strip()[:100]
    gold = {"1": True, "0": False}.get(request.GET.get("gold", ""))
    similar_to = None
    if request.GET.get("similar"):
        similar_to = (
            get_object_or_404(KnowledgeEntry, pk=request.GET["similar"])
            if request.GET["similar"].isdigit()
            else None
        )
    entries = (
        selectors.similar_entries(entry=similar_to)
        if similar_to
        else list(
            selectors.search_entries(
                q=q, category=category, gold=gold, include_retired=request.GET.get("retired") == "1"
            )
        )
    )
    stats = page_selectors.source_stats(entry_ids=[e.pk for e in entries])
    context = {
        "rows": [(entry, stats.get(entry.pk, page_selectors.SourceStats())) for entry in entries],
        "q": q,
        "category": category,
        "gold": request.GET.get("gold", ""),
        "similar_to": similar_to,
        "categories": KnowledgeEntry.objects.order_by()
        .values_list("category", flat=True)
        .distinct()[:200],
    }
    template = "knowledge/list.html#results" if request.htmx else "knowledge/list.html"
    return render(request, template, context)


@login_required
def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    return render(
        request, "knowledge/entry.html", _entry_context(request, entry, EntryForm(instance=entry))
    )


def _entry_context(request: HttpRequest, entry: KnowledgeEntry, form: EntryForm) -> dict:
    return {
        "entry": entry,
        "form": form,
        "stats": page_selectors.source_stats(entry_ids=[entry.pk]).get(
            entry.pk, page_selectors.SourceStats()
        ),
        "versions": entry.versions.all()[:20],
    }


@login_required
@require_POST
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = EntryForm(request.POST, instance=KnowledgeEntry.objects.get(pk=pk))
    if not form.is_valid():
        template = "knowledge/entry.html#entry-form" if request.htmx else "knowledge/entry.html"
        return render(request, template, _entry_context(request, entry, form), status=422)
    data = form.cleaned_data
    services.edit_entry(
        entry=entry,
        text=data["text"],
        resolution=data["resolution"],
        response=data["response"],
        category=data["category"],
        subcategory=data["subcategory"],
        edited_by=request.user,
    )
    return redirect("dashboard:knowledge_entry", pk=entry.pk)


@login_required
@require_POST
def entry_gold(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    services.set_gold(entry=entry, gold=request.POST.get("gold") == "1")
    if request.htmx:
        return render(request, "knowledge/entry.html#entry-status", {"entry": entry})
    return redirect("dashboard:knowledge_entry", pk=entry.pk)


@login_required
@require_POST
def entry_retire(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    services.set_retired(entry=entry, retired=request.POST.get("retired") == "1")
    if request.htmx:
        return render(request, "knowledge/entry.html#entry-status", {"entry": entry})
    return redirect("dashboard:knowledge_entry", pk=entry.pk)


@login_required
def needs_review(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    context = {
        "articles": selectors.stale_articles(),
        "entries": page_selectors.entries_needing_review(),
        "proposed": KnowledgeEntry.objects.filter(gold_proposed=True, retired=False).defer(
            "embedding"
        )[:100],
    }
    return render(request, "knowledge/needs_review.html", context)


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    article = get_object_or_404(KBArticle, pk=pk)
    context = {
        "article": article,
        "chunks": article.chunks.all(),
        "versions": article.versions.all()[:20],
        "stats": page_selectors.source_stats(article_ids=[article.pk]).get(
            article.pk, page_selectors.SourceStats()
        ),
        "stale": selectors.stale_articles().filter(pk=article.pk).exists(),
    }
    return render(request, "knowledge/article.html", context)


@login_required
@require_POST
def article_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request.user)
    article = get_object_or_404(KBArticle, pk=pk)
    services.mark_article_reviewed(article=article)
    return redirect("dashboard:knowledge_article", pk=article.pk)
