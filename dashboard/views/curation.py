"""Knowledge-base curation for admins: browse and search entries and articles, similar, edit
(versioned), gold, retire, needs review; canned replies for leads and admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import selectors as page_selectors
from dashboard.access import is_admin, require_admin, require_lead, teams_for
from dashboard.forms import CannedReplyForm, EntryForm
from dashboard.http import HtmxHttpRequest, parse_id
from knowledge import selectors, services
from knowledge.models import KBArticle, KnowledgeEntry, KnowledgeProposal
from triage.models import CannedReply, TaxonomyCategory, Team
from triage.review import auto_send, gaps


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
            get_object_or_404(KnowledgeEntry, pk=parse_id(request.GET["similar"]))
            if parse_id(request.GET["similar"]) is not None
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
    articles = [] if similar_to else list(selectors.search_articles(q=q))
    article_stats = page_selectors.source_stats(article_ids=[a.pk for a in articles])
    context = {
        "articles": [(a, article_stats.get(a.pk, page_selectors.SourceStats())) for a in articles],
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
def entry_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    form = EntryForm(request.POST, instance=KnowledgeEntry.objects.get(pk=pk))
    if not form.is_valid():
        template = "knowledge/entry.html#entry-form" if request.htmx else "knowledge/entry.html"
        return render(request, template, _entry_context(request, entry, form), status=422)
    data = form.cleaned_data
    before = entry.version
    saved = services.edit_entry(
        entry=entry,
        text=data["text"],
        resolution=data["resolution"],
        response=data["response"],
        category=data["category"],
        subcategory=data["subcategory"],
        edited_by=request.user,
    )
    if saved.version == before:
        messages.info(request, f"Nothing changed: entry #{entry.pk} stays v{before}.")
    else:
        messages.success(request, f"Saved entry #{entry.pk} as v{saved.version}.")
    # The whole page changes (version, history): reload it rather than swap the form.
    url = reverse("dashboard:knowledge_entry", args=[entry.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


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
        "proposals": KnowledgeProposal.objects.filter(
            outcome=KnowledgeProposal.Outcome.PENDING
        ).select_related("source_ticket")[:100],
        "auto_send_off": auto_send.recently_switched_off(),
    }
    return render(request, "knowledge/needs_review.html", context)


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a proposed reply (as edited) into the knowledge base, or dismiss it."""
    require_admin(request.user)
    proposal = get_object_or_404(KnowledgeProposal, pk=pk)
    try:
        if request.POST.get("decision") == "accept":
            entry = services.accept_proposal(
                proposal=proposal, response=request.POST.get("response", ""), user=request.user
            )
            messages.success(request, f"Learnt as entry #{entry.pk}.")
        elif request.POST.get("decision") == "dismiss":
            services.dismiss_proposal(proposal=proposal, user=request.user)
            messages.success(
                request, f"Proposal from ticket #{proposal.source_ticket_id} dismissed."
            )
        else:
            return HttpResponse("decision must be accept or dismiss", status=422)
    except ValueError as exc:
        return HttpResponse(str(exc), status=409)
    return redirect("dashboard:knowledge_needs_review")


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


# --- Canned replies (leads and admins) ---------------------------------------------------------


@login_required
def canned_list(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    replies = CannedReply.objects.select_related("team").order_by("language", "title", "pk")
    if not is_admin(request.user):
        replies = replies.filter(team__in=teams_for(request.user)) | replies.filter(
            team__isnull=True
        )
    return render(request, "dashboard/canned_list.html", {"replies": replies[:500]})


@login_required
def canned_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create or edit a canned reply; a lead only for their teams (or all teams)."""
    require_lead(request.user)
    teams = teams_for(request.user)
    instance = None
    if pk is not None:
        instance = get_object_or_404(CannedReply, pk=pk)
        if instance.team_id is not None and not teams.filter(pk=instance.team_id).exists():
            return render(
                request,
                "dashboard/_error.html",
                {"message": "This canned reply belongs to a team you do not lead."},
                status=403,
            )
    if request.method != "POST":
        form = CannedReplyForm(instance=instance, teams=teams)
        return render(request, "dashboard/canned_edit.html", {"form": form, "reply": instance})
    form = CannedReplyForm(request.POST, instance=instance, teams=teams)
    if not form.is_valid():
        return render(
            request, "dashboard/canned_edit.html", {"form": form, "reply": instance}, status=422
        )
    reply = form.save(commit=False)
    if reply.created_by_id is None:
        reply.created_by = request.user
    reply.save()
    messages.success(request, f"Saved canned reply “{reply.title}”.")
    return redirect("dashboard:canned")


# --- Auto-send (admins) ----------------------------------------------------------------------


@login_required
def auto_send_settings(request: HttpRequest) -> HttpResponse:
    """Auto-send per category and team: the rule, the evidence, and a switch."""
    require_admin(request.user)
    if request.method == "POST":
        category = get_object_or_404(
            TaxonomyCategory, pk=parse_id(request.POST.get("category")) or 0
        )
        team = get_object_or_404(Team, pk=parse_id(request.POST.get("team")) or 0)
        enabled = request.POST.get("enabled") == "on"
        auto_send.set_rule(category=category, team=team, enabled=enabled, user=request.user)
        messages.success(
            request,
            f"Auto-send {'on' if enabled else 'off'} for {category.slug} in {team.name}."
            + (" It applies only while the evidence meets the bar." if enabled else ""),
        )
        return redirect("dashboard:auto_send")
    context = {
        "rows": auto_send.rules_table(),
        "min_decisions": auto_send.MIN_DECISIONS,
        "min_rate": int(auto_send.MIN_UNCHANGED_RATE * 100),
        "window_days": auto_send.WINDOW_DAYS,
        "comeback_days": auto_send.COMEBACK_DAYS,
    }
    return render(request, "dashboard/auto_send.html", context)


@login_required
def out_of_scope(request: HttpRequest) -> HttpResponse:
    """Recent out-of-scope tickets grouped by similarity; a group's tickets become examples of a
    category, new or existing."""
    require_admin(request.user)
    if request.method == "POST":
        ids = [i for i in (parse_id(v) for v in request.POST.getlist("ticket")) if i]
        team_id = parse_id(request.POST.get("team"))
        team = get_object_or_404(Team, pk=team_id) if team_id else None
        try:
            category, created = gaps.learn_from_group(
                ticket_ids=ids,
                user=request.user,
                category=request.POST.get("category", "").strip(),
                new_name=request.POST.get("new_name", "")[:100],
                new_description=request.POST.get("new_description", "")[:2000],
                team=team,
            )
        except gaps.GapError as exc:
            messages.error(request, f"Nothing was added: {exc}.")
            return redirect("dashboard:out_of_scope")
        messages.success(
            request,
            f"{created} example{'s' if created != 1 else ''} added to {category.slug}; the "
            "classifier learns them within a minute, and open tickets among them were triaged "
            "into it.",
        )
        return redirect("dashboard:out_of_scope")
    context = {
        "groups": gaps.out_of_scope_groups(),
        "days": gaps.DAYS,
        "categories": TaxonomyCategory.objects.filter(active=True).order_by("slug"),
        "teams": Team.objects.filter(is_escalation_team=False).order_by("name"),
    }
    return render(request, "knowledge/out_of_scope.html", context)
