"""The review queue, the human triage queue and the ticket page with its actions."""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import selectors
from dashboard.access import (
    can_view_pii,
    is_lead_or_admin,
    require_lead,
    role_of,
    teams_for,
    ticket_for_user,
)
from dashboard.forms import (
    ActionForm,
    ApproveForm,
    CorrectionForm,
    EscalateForm,
    ReassignForm,
    RejectForm,
    opened_token,
)
from triage.models import (
    Channel,
    Draft,
    Outbound,
    PiiVault,
    Sentiment,
    TaxonomyCategory,
    Ticket,
    Urgency,
)
from triage.services import review as review_service
from triage.services.pii import unmask


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    filters = selectors.QueueFilters.from_query(request.GET)
    tickets, next_cursor = selectors.queue_page(user=request.user, filters=filters, after=request.GET.get("after", ""))
    context = {
        "tickets": tickets,
        "next_cursor": next_cursor,
        "after": request.GET.get("after", ""),
        "filters": filters,
        "query": filters.as_query(),
        "teams": teams_for(request.user),
        "statuses": [(s, s.label) for s in selectors.QUEUE_STATUSES],
        "urgencies": Urgency.choices,
        "sentiments": Sentiment.choices,
        "channels": Channel.choices,
        "categories": TaxonomyCategory.objects.filter(active=True),
        "processing": selectors.processing_count(user=request.user),
        "role": role_of(request.user),
    }
    template = "dashboard/queue.html#queue-table" if request.htmx else "dashboard/queue.html"
    return render(request, template, context)


@login_required
def triage_queue(request: HttpRequest) -> HttpResponse:
    tickets = selectors.triage_queue(user=request.user)
    rows = [(t, (t.classifications.all()[0].alternatives[:2] if t.classifications.all() else [])) for t in tickets]
    return render(request, "dashboard/triage.html", {"rows": rows, "role": role_of(request.user)})


@login_required
@require_POST
def triage_accept(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    category = request.POST.get("category", "")
    if not TaxonomyCategory.objects.filter(slug=category, active=True).exists():
        return render(request, "dashboard/_error.html", {"message": f"Unknown category {category!r}."}, status=422)
    try:
        review_service.do_correct_classification(ticket=ticket, user=request.user, category=category)
    except review_service.ReviewError:
        # Accepting the suggestion the engine already ranked first changes no label: confirm it.
        ticket.needs_human_triage = False
        ticket.save(update_fields=["needs_human_triage", "updated_at"])
    return redirect("dashboard:triage")


def _ticket_context(request: HttpRequest, ticket: Ticket, **forms) -> dict:
    draft = ticket.drafts.first()
    vault = PiiVault.objects.filter(ticket=ticket).first()
    mapping = vault.mapping if vault else {}
    show_pii = can_view_pii(request.user, ticket)
    now = time.time()
    reviewer_text = unmask(draft.text, mapping) if draft and draft.text else ""
    decidable = draft is not None and draft.status == Draft.Status.PROPOSED and bool(draft.text)
    context = {
        "ticket": ticket,
        "show_pii": show_pii,
        "thread": [(m, m.body if show_pii else (m.masked_body or m.body)) for m in ticket.messages.all()],
        "classification": ticket.classifications.first(),
        "assessment": ticket.assessments.first(),
        "draft": draft,
        "reviewer_text": reviewer_text if show_pii else (draft.text if draft else ""),
        "decidable": decidable,
        "flags": draft.guard_flags if draft else [],
        "usages": list(draft.source_usages.filter(used=True).select_related("entry", "article")) if draft else [],
        "actions": ticket.actions.all(),
        "outbounds": ticket.outbounds.all(),
        "role": role_of(request.user),
        "is_lead": is_lead_or_admin(request.user),
        "opened": opened_token(ticket.pk, now),
        "approve_form": forms.get("approve_form") or ApproveForm(initial={"final_text": reviewer_text}, ticket_id=ticket.pk, now=now),
        "reject_form": forms.get("reject_form") or RejectForm(ticket_id=ticket.pk, now=now),
        "escalate_form": forms.get("escalate_form") or EscalateForm(initial={"note": draft.handoff_note if draft else ""}, ticket_id=ticket.pk, now=now),
        "correction_form": forms.get("correction_form") or CorrectionForm(initial=_correction_initial(ticket)),
        "reassign_form": forms.get("reassign_form") or ReassignForm(initial={"team": ticket.team_id, "reviewer": ticket.reviewer_id}),
        "action_form": forms.get("action_form") or ActionForm(),
        "error": forms.get("error", ""),
    }
    return context


def _correction_initial(ticket: Ticket) -> dict:
    current = ticket.classifications.first()
    if current is None:
        return {}
    return {"urgency": current.urgency, "category": current.category, "subcategory": current.subcategory, "sentiment": current.sentiment}


def _render_ticket(request: HttpRequest, ticket: Ticket, *, partial: str = "", status: int = 200, **forms) -> HttpResponse:
    template = f"dashboard/ticket.html#{partial}" if partial and request.htmx else "dashboard/ticket.html"
    return render(request, template, _ticket_context(request, ticket, **forms), status=status)


def _done(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    url = ticket_url(ticket)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def ticket_url(ticket: Ticket) -> str:
    from django.urls import reverse

    return reverse("dashboard:ticket", args=[ticket.pk])


@login_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    return _render_ticket(request, ticket)


@login_required
def ticket_events(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    return render(request, "dashboard/_events.html", {"events": ticket.events.all()})


def _current_draft(ticket: Ticket) -> Draft | None:
    return ticket.drafts.first()


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = ApproveForm(request.POST, ticket_id=ticket.pk, now=time.time())
    draft = _current_draft(ticket)
    if not form.is_valid() or draft is None:
        return _render_ticket(request, ticket, partial="review-panel", status=422, approve_form=form, error="" if draft else "There is no draft to approve.")
    try:
        review = review_service.do_approve(
            ticket=ticket, draft=draft, user=request.user, final_text=form.cleaned_data["final_text"],
            seconds_spent=form.cleaned_data["opened"], ask_clarification=request.POST.get("clarify") == "1",
        )
    except review_service.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    review_service.do_send(outbound=review.outbound)
    return _done(request, ticket)


@login_required
@require_POST
def retry_send(request: HttpRequest, pk: int, outbound_id: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    outbound = get_object_or_404(Outbound, pk=outbound_id, ticket=ticket)
    review_service.do_send(outbound=outbound)
    return _done(request, ticket)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = RejectForm(request.POST, ticket_id=ticket.pk, now=time.time())
    draft = _current_draft(ticket)
    if not form.is_valid() or draft is None:
        return _render_ticket(request, ticket, partial="review-panel", status=422, reject_form=form)
    try:
        review_service.do_reject(ticket=ticket, draft=draft, user=request.user, reason=form.cleaned_data["reason"], seconds_spent=form.cleaned_data["opened"])
    except review_service.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def escalate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = EscalateForm(request.POST, ticket_id=ticket.pk, now=time.time())
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="review-panel", status=422, escalate_form=form)
    draft = _current_draft(ticket)
    open_draft = draft if draft is not None and draft.status == Draft.Status.PROPOSED else None
    try:
        review_service.do_escalate(ticket=ticket, user=request.user, note=form.cleaned_data["note"], seconds_spent=form.cleaned_data["opened"], draft=open_draft)
    except review_service.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def wait_on_customer(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    if request.POST.get("resume") == "1":
        review_service.do_resume(ticket=ticket)
    else:
        review_service.do_wait_on_customer(ticket=ticket)
    return _done(request, ticket)


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    try:
        review_service.do_resolve(ticket=ticket)
    except review_service.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def record_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what was actually done (a refund, a reset...), then re-check the draft's claims against it."""
    ticket = ticket_for_user(request.user, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="review-panel", status=422, action_form=form)
    data = form.cleaned_data
    review_service.do_record_action(ticket=ticket, user=request.user, kind=data["kind"], note=data["note"], amount=data["amount"], currency=data["currency"] or "")
    return _done(request, ticket)


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="classification-panel", status=422, correction_form=form)
    try:
        review_service.do_correct_classification(ticket=ticket, user=request.user, **form.cleaned_data)
    except review_service.ReviewError as exc:
        return _render_ticket(request, ticket, partial="classification-panel", status=422, correction_form=form, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    ticket = ticket_for_user(request.user, pk)
    form = ReassignForm(request.POST)
    form.fields["team"].queryset = teams_for(request.user)
    if not form.is_valid():
        if request.POST.get("from") == "board":
            return render(request, "dashboard/_error.html", {"message": "; ".join(e for errors in form.errors.values() for e in errors)}, status=422)
        return _render_ticket(request, ticket, partial="routing-panel", status=422, reassign_form=form)
    review_service.do_reassign(ticket=ticket, team=form.cleaned_data["team"], reviewer=form.cleaned_data["reviewer"])
    if request.POST.get("from") == "board":
        return HttpResponseClientRedirect("/sla/") if request.htmx else redirect("dashboard:sla_board")
    return _done(request, ticket)


@login_required
@require_POST
def flag_source(request: HttpRequest, pk: int, usage_id: int) -> HttpResponse:
    """A reviewer says a source the draft used is wrong or misleading; curation sees it."""
    from knowledge.models import SourceUsage

    ticket = ticket_for_user(request.user, pk)
    usage = get_object_or_404(SourceUsage, pk=usage_id, draft__ticket=ticket)
    note = request.POST.get("note", "").strip()[:2000]
    if not note:
        return render(request, "dashboard/_error.html", {"message": "Say what is wrong with this source."}, status=422)
    usage.flagged_inaccurate = True
    usage.flag_note = note
    usage.save(update_fields=["flagged_inaccurate", "flag_note"])
    return _done(request, ticket)
