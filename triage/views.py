"""The public support form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from triage.forms import SupportRequestForm
from triage.services.ingest import CustomerInput, IngestError, TicketInput, ingest_ticket
from triage.tasks import enqueue_processing


def support_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "support/new.html", {"form": SupportRequestForm()})
    form = SupportRequestForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = ingest_ticket(
                data=TicketInput(
                    channel="web_form", source="web_form", subject=data["subject"], body=data["message"],
                    customer=CustomerInput(email=data["email"], name=data["name"]),
                ),
                thread=True,
            )
        except IngestError as exc:
            form.add_error("message", str(exc))
        else:
            enqueue_processing(ticket_id=result.ticket.pk)
            return render(request, "support/thanks.html", {"ticket": result.ticket}, status=201 if result.created else 200)
    return render(request, "support/new.html", {"form": form}, status=422)
