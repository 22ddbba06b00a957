"""The ticket page and what a reviewer or lead does on it. Each view: access, form, service,
render."""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import selectors
from dashboard.access import require_lead, teams_for, ticket_for_user
from dashboard.forms import (
    ActionForm,
    ApproveForm,
    CorrectionForm,
    EscalateForm,
    ReassignForm,
    RejectForm,
    opened_token,
)
from dashboard.http import HtmxHttpRequest
from triage.models import Draft, Outbound, SourceUsage, Ticket
from triage.review import decisions, operations, outbound
from triage.tasks import enqueue_send


def _render_ticket(
    request: HtmxHttpRequest, ticket: Ticket, *, partial: str = "", status: int = 200, **forms
) -> HttpResponse:
    template = (
        f"dashboard/ticket.html#{partial}" if partial and request.htmx else "dashboard/ticket.html"
    )
    context = selectors.ticket_page(user=request.user, ticket=ticket)
    now = time.time()
    draft = context["draft"]
    context.update(
        opened=opened_token(ticket.pk, now),
        approve_form=forms.get("approve_form")
        or ApproveForm(
            initial={"final_text": context["editable_draft"]},
            ticket_id=ticket.pk,
            now=now,
        ),
        reject_form=forms.get("reject_form") or RejectForm(ticket_id=ticket.pk, now=now),
        escalate_form=forms.get("escalate_form")
        or EscalateForm(
            initial={"note": draft.handoff_note if draft else ""}, ticket_id=ticket.pk, now=now
        ),
        correction_form=forms.get("correction_form")
        or CorrectionForm(initial=_correction_initial(context["classification"])),
        reassign_form=forms.get("reassign_form")
        or ReassignForm(initial={"team": ticket.team_id, "reviewer": ticket.reviewer_id}),
        action_form=forms.get("action_form") or ActionForm(),
        error=forms.get("error", ""),
    )
    return render(request, template, context, status=status)


def _correction_initial(current) -> dict:
    if current is None:
        return {}
    return {
        "urgency": current.urgency,
        "category": current.category,
        "subcategory": current.subcategory,
        "sentiment": current.sentiment,
    }


def _done(request: HtmxHttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("dashboard:ticket", args=[ticket.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _current_draft(ticket: Ticket) -> Draft | None:
    return ticket.drafts.first()


@login_required
def ticket_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _render_ticket(request, ticket_for_user(request.user, pk))


@login_required
def ticket_events(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    return render(request, "dashboard/_events.html", {"events": ticket.events.all()})


@login_required
def ticket_outbox(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The outbox panel alone: the page asks for it every few seconds while a reply is on its
    way."""
    ticket = ticket_for_user(request.user, pk)
    return render(request, "dashboard/_outbox.html", selectors.outbox_panel(ticket=ticket))


@login_required
@require_POST
def approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = ApproveForm(request.POST, ticket_id=ticket.pk, now=time.time())
    draft = _current_draft(ticket)
    if not form.is_valid() or draft is None:
        error = "" if draft else "There is no draft to approve."
        return _render_ticket(
            request, ticket, partial="review-panel", status=422, approve_form=form, error=error
        )
    try:
        review = decisions.do_approve(
            ticket=ticket,
            draft=draft,
            user=request.user,
            final_text=form.cleaned_data["final_text"],
            seconds_spent=form.cleaned_data["opened"],
            ask_clarification=request.POST.get("clarify") == "1",
        )
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    enqueue_send(outbound_id=review.outbound.pk)
    return _done(request, ticket)


@login_required
@require_POST
def retry_send(request: HtmxHttpRequest, pk: int, outbound_id: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    row = outbound.retry_outbound(
        outbound=get_object_or_404(Outbound, pk=outbound_id, ticket=ticket)
    )
    if row.status == Outbound.Status.PENDING:
        enqueue_send(outbound_id=row.pk)
    return _done(request, ticket)


@login_required
@require_POST
def reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = RejectForm(request.POST, ticket_id=ticket.pk, now=time.time())
    draft = _current_draft(ticket)
    if not form.is_valid() or draft is None:
        return _render_ticket(request, ticket, partial="review-panel", status=422, reject_form=form)
    try:
        decisions.do_reject(
            ticket=ticket,
            draft=draft,
            user=request.user,
            reason=form.cleaned_data["reason"],
            seconds_spent=form.cleaned_data["opened"],
        )
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def escalate(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = EscalateForm(request.POST, ticket_id=ticket.pk, now=time.time())
    if not form.is_valid():
        return _render_ticket(
            request, ticket, partial="review-panel", status=422, escalate_form=form
        )
    draft = _current_draft(ticket)
    open_draft = draft if draft is not None and draft.status == Draft.Status.PROPOSED else None
    try:
        decisions.do_escalate(
            ticket=ticket,
            user=request.user,
            note=form.cleaned_data["note"],
            seconds_spent=form.cleaned_data["opened"],
            draft=open_draft,
        )
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def wait_on_customer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    try:
        if request.POST.get("resume") == "1":
            operations.do_resume(ticket=ticket)
        else:
            operations.do_wait_on_customer(ticket=ticket)
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    try:
        operations.do_resolve(ticket=ticket)
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def record_action(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Record what was actually done (a refund, a reset...), then re-check the draft's claims
    against it."""
    ticket = ticket_for_user(request.user, pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="review-panel", status=422, action_form=form)
    data = form.cleaned_data
    operations.do_record_action(
        ticket=ticket,
        user=request.user,
        kind=data["kind"],
        note=data["note"],
        amount=data["amount"],
        currency=data["currency"] or "",
    )
    return _done(request, ticket)


@login_required
@require_POST
def correct(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        return _render_ticket(
            request, ticket, partial="classification-panel", status=422, correction_form=form
        )
    try:
        decisions.do_correct_classification(ticket=ticket, user=request.user, **form.cleaned_data)
    except decisions.ReviewError as exc:
        return _render_ticket(
            request,
            ticket,
            partial="classification-panel",
            status=422,
            correction_form=form,
            error=str(exc),
        )
    return _done(request, ticket)


@login_required
@require_POST
def reassign(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    require_lead(request.user)
    ticket = ticket_for_user(request.user, pk)
    form = ReassignForm(request.POST)
    form.fields["team"].queryset = teams_for(request.user)
    from_board = request.POST.get("from") == "board"
    if not form.is_valid():
        if from_board:
            message = "; ".join(e for errors in form.errors.values() for e in errors)
            return render(request, "dashboard/_error.html", {"message": message}, status=422)
        return _render_ticket(
            request, ticket, partial="routing-panel", status=422, reassign_form=form
        )
    operations.do_reassign(
        ticket=ticket, team=form.cleaned_data["team"], reviewer=form.cleaned_data["reviewer"]
    )
    if from_board:
        return (
            HttpResponseClientRedirect(reverse("dashboard:sla_board"))
            if request.htmx
            else redirect("dashboard:sla_board")
        )
    return _done(request, ticket)


@login_required
@require_POST
def flag_source(request: HtmxHttpRequest, pk: int, usage_id: int) -> HttpResponse:
    """A reviewer says a source the draft used is wrong or misleading; curation sees it."""
    ticket = ticket_for_user(request.user, pk)
    usage = get_object_or_404(SourceUsage, pk=usage_id, draft__ticket=ticket)
    note = request.POST.get("note", "").strip()[:2000]
    if not note:
        return render(
            request,
            "dashboard/_error.html",
            {"message": "Say what is wrong with this source."},
            status=422,
        )
    usage.flagged_inaccurate = True
    usage.flag_note = note
    usage.save(update_fields=["flagged_inaccurate", "flag_note"])
    return _done(request, ticket)
