from django import forms

from knowledge.models import KnowledgeEntry


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


from django.contrib.auth import get_user_model  # noqa: E402
from django.core import signing  # noqa: E402

from triage.models import Sentiment, TaxonomyCategory, Team, TicketAction, Urgency  # noqa: E402

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
        return max(0, int(self.now - float(data["at"])))


class ApproveForm(ReviewForm):
    final_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}), max_length=20000, label="Reply"
    )

    def clean_final_text(self) -> str:
        text = self.cleaned_data["final_text"].strip()
        if "\x00" in text:
            raise forms.ValidationError("The reply contains characters that cannot be sent.")
        if len(text) < 2:
            raise forms.ValidationError("The reply is empty.")
        return text


class RejectForm(ReviewForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class EscalateForm(ReviewForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=5000, label="Handoff note"
    )


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
        if team and reviewer and not team.members.filter(pk=reviewer.pk).exists():
            self.add_error("reviewer", f"{reviewer.get_username()} is not a member of {team.name}.")
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
