import re

from django import forms
from django.contrib.auth import get_user_model
from django.core import signing

from knowledge.models import KnowledgeEntry
from triage.models import (
    CannedReply,
    Sentiment,
    TaxonomyCategory,
    Team,
    Ticket,
    TicketAction,
    Urgency,
)
from triage.pipeline.sla import DAY_NAMES, CalendarError, parse_calendar
from triage.review.composer import PLACEHOLDERS, blanks_left
from triage.review.decisions import ReviewError, Then
from triage.review.operations import check_member
from triage.text.guards import GUARD_CODES


class EntryForm(forms.ModelForm):
    class Meta:
        model = KnowledgeEntry
        fields = ["text", "resolution", "response", "category", "subcategory"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 6}),
        }

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if len(text) < 5:
            raise forms.ValidationError(
                "The request text must say what the customer asked (at least 5 characters)."
            )
        return text

    def clean_category(self) -> str:
        return self.cleaned_data["category"].strip()


OPENED_SALT = "deskpilot.review.opened"
MAX_REVIEW_SECONDS = 24 * 3600


def opened_token(ticket_id: int, now: float) -> str:
    """Signed "this reviewer opened ticket N at time T", so seconds spent cannot be forged."""
    return signing.dumps({"t": ticket_id, "at": now}, salt=OPENED_SALT)


class ReviewForm(forms.Form):
    opened = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, ticket_id: int, now: float, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket_id, self.now = ticket_id, now

    def clean_opened(self) -> int:
        try:
            data = signing.loads(
                self.cleaned_data["opened"], salt=OPENED_SALT, max_age=MAX_REVIEW_SECONDS
            )
        except signing.BadSignature:
            raise forms.ValidationError(
                "This page is too old or was altered; reload the ticket."
            ) from None
        if data.get("t") != self.ticket_id:
            raise forms.ValidationError("This form belongs to another ticket; reload the page.")
        self.opened_at = float(data["at"])  # when the page was rendered (epoch seconds)
        return max(0, int(self.now - self.opened_at))


class ReplyForm(ReviewForm):
    """The composer: the reply, what happens once it is out, and what was inserted into it."""

    final_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
        label="Reply to the customer",
        error_messages={"required": "Write the reply first."},
    )
    then = forms.ChoiceField(
        choices=[
            (Then.SEND, "Send"),
            (Then.WAIT, "Send and wait"),
            (Then.RESOLVE, "Send and resolve"),
        ],
        required=False,
    )
    inserted = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    acknowledge = forms.MultipleChoiceField(
        choices=[(c, c) for c in sorted(GUARD_CODES)], required=False
    )

    def clean_final_text(self) -> str:
        # Browsers submit CRLF; the reply is stored and compared with its draft in LF.
        text = self.cleaned_data["final_text"].replace("\r\n", "\n").strip()
        if "\x00" in text:
            raise forms.ValidationError("The reply contains characters that cannot be sent.")
        if len(text) < 2:
            raise forms.ValidationError("The reply is empty.")
        blanks = list(dict.fromkeys(blanks_left(text)))
        if blanks:
            shown = "; ".join(b if len(b) <= 80 else b[:77] + "…]" for b in blanks[:5])
            raise forms.ValidationError(
                f"Fill in or remove {shown} before sending: the draft or an inserted text left "
                f"{len(blanks)} part(s) to confirm for this customer."
            )
        return text

    def clean_acknowledge(self) -> list[str]:
        return [c for c in self.cleaned_data.get("acknowledge") or [] if c in GUARD_CODES]

    def clean_then(self) -> str:
        return self.cleaned_data["then"] or Then.SEND


class RejectForm(ReviewForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class EscalateForm(ReviewForm):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, label="To team", empty_label=None
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
        label="Handoff note",
        error_messages={"required": "Write a handoff note for the receiving team."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_escalate_%s")
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        label="Internal note",
        error_messages={"required": "Write the note first."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_internal_%s")
        super().__init__(*args, **kwargs)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[
            (Ticket.CloseReason.SPAM, Ticket.CloseReason.SPAM.label),
            (Ticket.CloseReason.NOT_OURS, Ticket.CloseReason.NOT_OURS.label),
            (Ticket.CloseReason.NO_REPLY_NEEDED, Ticket.CloseReason.NO_REPLY_NEEDED.label),
        ],
        error_messages={
            "required": "Say why the ticket is closed.",
            "invalid_choice": "Choose spam, not ours or no reply needed.",
        },
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        min_value=1,
        label="Merge into ticket #",
        error_messages={"required": "Give the number of the ticket to merge into."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_merge_%s")
        super().__init__(*args, **kwargs)


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "team", "language", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "body": "Placeholders: "
            + ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items()),
            "language": "Two-letter code: en, de, es, fr…",
        }

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams
        self.fields["team"].empty_label = "All teams"

    def clean_language(self) -> str:
        language = self.cleaned_data["language"].strip().lower()
        if not (2 <= len(language) <= 10 and language.replace("-", "").isalpha()):
            raise forms.ValidationError("Use a language code such as en or de.")
        return language

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        unknown = {m for m in re.findall(r"\{(\w+)\}", body) if m not in PLACEHOLDERS}
        if unknown:
            raise forms.ValidationError(
                f"Unknown placeholder {', '.join(sorted('{' + u + '}' for u in unknown))}; use "
                + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            )
        return body


class CorrectionForm(forms.Form):
    urgency = forms.ChoiceField(choices=Urgency.choices)
    category = forms.ChoiceField(choices=())
    subcategory = forms.CharField(max_length=60, required=False)
    sentiment = forms.ChoiceField(choices=Sentiment.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (c.slug, c.name) for c in TaxonomyCategory.objects.filter(active=True)
        ]


class ReassignForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all())
    reviewer = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True), required=False
    )

    def clean(self):
        data = super().clean()
        team, reviewer = data.get("team"), data.get("reviewer")
        if team:
            try:
                check_member(team=team, reviewer=reviewer)
            except ReviewError as exc:
                self.add_error("reviewer", str(exc))
        return data


class ActionForm(forms.Form):
    kind = forms.ChoiceField(choices=TicketAction.Kind.choices)
    amount = forms.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$",
        required=False,
        error_messages={"invalid": "Use a three-letter code such as EUR."},
    )
    note = forms.CharField(max_length=2000, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_action_%s")
        super().__init__(*args, **kwargs)


class CalendarForm(forms.Form):
    """A team's SLA calendar as a lead types it: days, shifts ("09:00-12:30, 13:30-17:00"), a time
    zone and holidays, one a line ("2026-12-24 Christmas Eve", "2026-12-25 yearly Christmas")."""

    around_the_clock = forms.BooleanField(required=False)
    timezone = forms.CharField(max_length=64, required=False)
    days = forms.TypedMultipleChoiceField(
        choices=list(enumerate(DAY_NAMES)), coerce=int, required=False
    )
    shifts = forms.CharField(max_length=200, required=False)
    holidays = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)

    _HOLIDAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s+(yearly))?(?:\s+(.*))?$", re.IGNORECASE)

    @classmethod
    def initial_for(cls, team: Team) -> dict:
        calendar = parse_calendar(team.business_hours)
        if calendar is None:
            return {"around_the_clock": True, "timezone": "", "days": [0, 1, 2, 3, 4]}
        data = calendar.as_json()
        return {
            "timezone": data["timezone"],
            "days": data["days"],
            "shifts": ", ".join(f"{a}-{b}" for a, b in data["shifts"]),
            "holidays": "\n".join(
                " ".join(x for x in (h["date"], "yearly" if h["yearly"] else "", h["name"]) if x)
                for h in data["holidays"]
            ),
        }

    def clean(self):
        data = super().clean()
        if data.get("around_the_clock"):
            data["business_hours"] = None
            return data
        shifts = []
        for part in re.split(r"[,;]", data.get("shifts", "")):
            if not part.strip():
                continue
            bounds = [b.strip() for b in re.split(r"\s*[-–]\s*", part.strip())]
            if len(bounds) != 2:
                raise forms.ValidationError(
                    f"Write each shift as start-end, like 09:00-12:30 (not {part.strip()!r})."
                )
            shifts.append(bounds)
        if not shifts:
            raise forms.ValidationError("Give at least one shift, like 09:00-17:00.")
        holidays = []
        for line in data.get("holidays", "").splitlines():
            if not line.strip():
                continue
            found = self._HOLIDAY.match(line.strip())
            if not found:
                raise forms.ValidationError(
                    f"Write each holiday as a date, then optionally 'yearly' and a name, like "
                    f"2026-12-25 yearly Christmas (not {line.strip()!r})."
                )
            day, yearly, name = found.groups()
            holidays.append({"date": day, "yearly": bool(yearly), "name": name or ""})
        business_hours = {
            "timezone": data.get("timezone", "").strip(),
            "days": data.get("days") or [],
            "shifts": shifts,
            "holidays": holidays,
        }
        try:
            parse_calendar(business_hours)
        except CalendarError as exc:
            raise forms.ValidationError(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None
        data["business_hours"] = business_hours
        return data
