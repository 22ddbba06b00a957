"""The ticket page and what a reviewer or lead does on it. Each view: access, form, service,
render."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from dashboard import selectors
from dashboard.access import require_lead, teams_for, ticket_for_user, tickets_for
from dashboard.forms import (
    ActionForm,
    CloseForm,
    CorrectionForm,
    EscalateForm,
    MergeForm,
    NoteForm,
    ReassignForm,
    RejectForm,
    ReplyForm,
    opened_token,
)
from dashboard.http import HtmxHttpRequest
from triage import lifecycle
from triage.models import Draft, Outbound, SourceUsage, Team, Ticket
from triage.review import composer, decisions, operations, outbound, presence


def _render_ticket(
    request: HtmxHttpRequest, ticket: Ticket, *, partial: str = "", status: int = 200, **forms
) -> HttpResponse:
    template = (
        f"dashboard/ticket.html#{partial}" if partial and request.htmx else "dashboard/ticket.html"
    )
    context = selectors.ticket_page(user=request.user, ticket=ticket)
    now = time.time()
    context.update(
        opened=opened_token(ticket.pk, now),
        reply_form=forms.get("reply_form")
        or ReplyForm(
            initial={"final_text": context["composer_text"]}, ticket_id=ticket.pk, now=now
        ),
        reject_form=forms.get("reject_form") or RejectForm(ticket_id=ticket.pk, now=now),
        escalate_form=forms.get("escalate_form")
        or _escalate_form(
            initial={"note": context["handoff_text"], "team": context["escalation_team"]},
            ticket_id=ticket.pk,
            now=now,
        ),
        note_form=forms.get("note_form") or NoteForm(),
        close_form=forms.get("close_form") or CloseForm(),
        merge_form=forms.get("merge_form") or MergeForm(),
        correction_form=forms.get("correction_form")
        or CorrectionForm(initial=_correction_initial(context["classification"])),
        reassign_form=forms.get("reassign_form")
        or ReassignForm(initial={"team": ticket.team_id, "reviewer": ticket.reviewer_id}),
        action_form=forms.get("action_form") or ActionForm(),
        error=forms.get("error", ""),
        send_flags=forms.get("send_flags", []),
        changed=forms.get("changed", []),
    )
    return render(request, template, context, status=status)


def _escalate_form(*args, **kwargs) -> EscalateForm:
    form = EscalateForm(*args, **kwargs)
    form.fields["team"].queryset = Team.objects.order_by("-is_escalation_team", "name")
    return form


def _correction_initial(current) -> dict:
    return current.labels() if current is not None else {}


def _done(request: HtmxHttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("dashboard:ticket", args=[ticket.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _current_draft(ticket: Ticket) -> Draft | None:
    return ticket.drafts.first()


def _open_draft(ticket: Ticket) -> Draft | None:
    draft = _current_draft(ticket)
    return draft if lifecycle.is_decidable(draft) else None


def _to_queue(request: HtmxHttpRequest, message: str) -> HttpResponse:
    """Back to the queue with a confirmation (after the ticket left the agent's hands)."""
    messages.success(request, message)
    url = reverse("dashboard:queue")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
def ticket_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _render_ticket(request, ticket_for_user(request.user, pk))


@login_required
def ticket_outbox(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The outbox panel alone: the page asks for it every few seconds while a reply is on its
    way."""
    ticket = ticket_for_user(request.user, pk)
    return render(request, "dashboard/_outbox.html", selectors.outbox_panel(ticket=ticket))


@login_required
@require_POST
def reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Send the composer's reply: the open draft approved (edited or not), or a reply written by
    hand; then nothing more, wait on the customer, or resolve."""
    ticket = ticket_for_user(request.user, pk)
    form = ReplyForm(request.POST, ticket_id=ticket.pk, now=time.time())
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="review-panel", status=422, reply_form=form)
    data = form.cleaned_data
    opened_at = datetime.fromtimestamp(form.opened_at, tz=UTC)
    changed = presence.changes_since(ticket=ticket, since=opened_at, user=request.user)
    if changed:  # the panel comes back with a fresh "opened": sending again sends
        return _render_ticket(
            request, ticket, partial="review-panel", status=409, reply_form=form, changed=changed
        )
    try:
        decisions.do_reply(
            ticket=ticket,
            user=request.user,
            final_text=data["final_text"],
            seconds_spent=data["opened"],
            draft=_open_draft(ticket),
            then=data["then"],
            inserted=composer.inserted_records(data["inserted"]),
            key=decisions.submission_key(request.POST["opened"]),
            acknowledged=data["acknowledge"],
        )
    except decisions.UnacknowledgedFlags as exc:
        return _render_ticket(
            request,
            ticket,
            partial="review-panel",
            status=422,
            reply_form=form,
            error=str(exc),
            send_flags=exc.flags,
        )
    except decisions.ReviewError as exc:
        return _render_ticket(
            request, ticket, partial="review-panel", status=409, reply_form=form, error=str(exc)
        )
    messages.success(request, f"Reply to #{ticket.pk} queued for sending.")
    return _done(request, ticket)


@login_required
@require_POST
def ticket_presence(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The page reports that its user has the ticket open (typing or not); the answer is who else
    has."""
    ticket = ticket_for_user(request.user, pk)
    presence.report(ticket=ticket, user=request.user, typing=request.POST.get("typing") == "1")
    others = presence.others_on(ticket_ids=[ticket.pk], user=request.user).get(ticket.pk, [])
    return render(request, "dashboard/_presence.html", {"others": others})


@login_required
def insert_options(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The composer's insert list: greeting and sign-off, canned replies, articles, approved
    replies, matching the search words or (with none) similar to this ticket."""
    ticket = ticket_for_user(request.user, pk)
    query = request.GET.get("q", "")
    options = composer.insert_options(ticket=ticket, agent=request.user, query=query)
    if not query:
        options = composer.persona_options(ticket) + options
    return render(
        request,
        "dashboard/_insert_options.html",
        {"ticket": ticket, "options": options, "query": query},
    )


@login_required
@require_POST
def add_note(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_ticket(request, ticket, partial="notes-panel", status=422, note_form=form)
    operations.do_add_note(ticket=ticket, user=request.user, body=form.cleaned_data["body"])
    return _done(request, ticket)


@login_required
@require_POST
def close(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Close without a reply (spam, not ours); from human triage, back there."""
    ticket = ticket_for_user(request.user, pk)
    form = CloseForm(request.POST)
    from_triage = request.POST.get("from") == "triage"
    error = ""
    if form.is_valid():
        try:
            operations.do_close(
                ticket=ticket, user=request.user, reason=form.cleaned_data["reason"]
            )
        except decisions.ReviewError as exc:
            error = str(exc)
        else:
            label = Ticket.CloseReason(form.cleaned_data["reason"]).label.lower()
            if from_triage:
                messages.success(request, f"#{ticket.pk} closed as {label}.")
                return redirect("dashboard:triage")
            return _to_queue(request, f"#{ticket.pk} closed as {label}.")
    status = 409 if error else 422
    if from_triage:
        message = error or "; ".join(e for errors in form.errors.values() for e in errors)
        return render(request, "dashboard/_error.html", {"message": message}, status=status)
    return _render_ticket(
        request, ticket, partial="close-panel", status=status, close_form=form, error=error
    )


@login_required
@require_POST
def merge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Merge this ticket (a duplicate) into another ticket of the same customer."""
    ticket = ticket_for_user(request.user, pk)
    form = MergeForm(request.POST)
    error = ""
    if form.is_valid():
        into = form.cleaned_data["into"]
        if not tickets_for(request.user).filter(pk=into).exists():
            form.add_error("into", f"There is no ticket #{into} you can see.")
        else:
            try:
                target = operations.do_merge(ticket=ticket, into_id=into, user=request.user)
            except decisions.ReviewError as exc:
                error = str(exc)
            else:
                messages.success(request, f"#{ticket.pk} merged into #{target.pk}.")
                url = reverse("dashboard:ticket", args=[target.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _render_ticket(
        request,
        ticket,
        partial="close-panel",
        status=409 if error else 422,
        merge_form=form,
        error=error,
    )


@login_required
@require_POST
def retry_send(request: HtmxHttpRequest, pk: int, outbound_id: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    outbound.retry_outbound(outbound=get_object_or_404(Outbound, pk=outbound_id, ticket=ticket))
    if request.POST.get("from") == "board":
        return redirect("dashboard:sla_board")
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
    form = _escalate_form(request.POST, ticket_id=ticket.pk, now=time.time())
    if not form.is_valid():
        return _render_ticket(
            request, ticket, partial="review-panel", status=422, escalate_form=form
        )
    draft = _current_draft(ticket)
    open_draft = draft if draft is not None and draft.status == Draft.Status.PROPOSED else None
    try:
        review = decisions.do_escalate(
            ticket=ticket,
            user=request.user,
            note=form.cleaned_data["note"],
            seconds_spent=form.cleaned_data["opened"],
            draft=open_draft,
            team=form.cleaned_data["team"],
        )
    except decisions.ReviewError as exc:
        return _render_ticket(
            request, ticket, partial="review-panel", status=409, escalate_form=form, error=str(exc)
        )
    # The ticket may now belong to a team this agent does not see: land on the queue.
    team = review.ticket.team
    return _to_queue(
        request, f"#{ticket.pk} escalated to {team.name if team else 'the escalation team'}."
    )


@login_required
@require_POST
def wait_on_customer(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    try:
        if request.POST.get("resume") == "1":
            operations.do_resume(ticket=ticket, user=request.user)
        else:
            operations.do_wait_on_customer(ticket=ticket, user=request.user)
    except decisions.ReviewError as exc:
        return _render_ticket(request, ticket, partial="review-panel", status=409, error=str(exc))
    return _done(request, ticket)


@login_required
@require_POST
def resolve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_for_user(request.user, pk)
    try:
        operations.do_resolve(ticket=ticket, user=request.user)
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
        return _render_ticket(
            request, ticket, partial="actions-panel", status=422, action_form=form
        )
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
    ticket.refresh_from_db()
    if not tickets_for(request.user).filter(pk=ticket.pk).exists():
        team = ticket.team.name if ticket.team else "another team"
        return _to_queue(request, f"Corrected: #{ticket.pk} now belongs to {team}.")
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
