import uuid

from django import forms


class SupportRequestForm(forms.Form):
    """The public web form."""

    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    subject = forms.CharField(max_length=300)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    # Bots fill every field; people never see this one.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    # One per rendered form: a double submit carries the same one and stores nothing twice.
    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4())

    def message_id(self) -> str | None:
        """The Message-ID the submission is stored under (unique in the database)."""
        token = self.cleaned_data.get("submission")
        return f"<{token}@web-form.deskpilot>" if token else None

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if "\x00" in message:
            raise forms.ValidationError("The message contains characters we cannot store.")
        if len(message.split()) < 3:
            raise forms.ValidationError(
                "Please describe the problem in a few words so we can help."
            )
        return message

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError("Please leave this field empty.")
        return ""
