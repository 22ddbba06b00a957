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
            raise forms.ValidationError("The request text must say what the customer asked (at least 5 characters).")
        return text

    def clean_category(self) -> str:
        return self.cleaned_data["category"].strip()
