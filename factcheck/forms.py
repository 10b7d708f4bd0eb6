"""The reviewer's forms. Each edit of the claim itself carries the version the
reviewer started from; notes and sources do not."""

from django import forms
from django.core.validators import MaxLengthValidator

from .fields import TextFormField, validate_storable_text
from .models import Claim, ReviewerNote, Source, validate_http_url
from .statuses import Kind, statuses_for

TEXT_LIMIT = 10_000


class DateInput(forms.DateInput):
    """A browser date picker; its value must be ISO, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def limit_length(field, limit=TEXT_LIMIT):
    """Bound a free-text field: an oversized value is refused with a clear error."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label="New status")
    rationale = TextFormField(
        label="Public rationale",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on the public timeline: why the status changes.",
    )
    summary = TextFormField(
        label="Public summary",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The verdict in a few sentences, as the public reads it.",
    )
    next_review_on = forms.DateField(label="Next review", required=False, widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, claim, **kwargs):
        # Its own ids: the claim-fields form on the same page also has a summary.
        kwargs.setdefault("auto_id", "status_%s")
        kwargs.setdefault(
            "initial",
            {"summary": claim.summary, "next_review_on": claim.next_review_on},
        )
        super().__init__(*args, **kwargs)
        self.claim = claim
        # No preselected status: the reviewer picks one on purpose.
        self.fields["to_status"].choices = [("", "Choose the new status")] + [
            (info.value, info.label)
            for info in statuses_for(claim.kind)
            if info.value != claim.status
        ]


class ClaimFieldsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Claim
        fields = [
            "statement",
            "summary",
            "condition",
            "resolution_criteria",
            "resolve_by",
            "next_review_on",
        ]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "condition": forms.Textarea(attrs={"rows": 2}),
            "resolution_criteria": forms.Textarea(attrs={"rows": 3}),
            "resolve_by": DateInput,
            "next_review_on": DateInput,
        }
        labels = {"summary": "Public summary", "next_review_on": "Next review"}
        help_texts = {"next_review_on": "Internal: when the claim comes back to the queue."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind != Kind.PREDICTION:
            for name in ("condition", "resolution_criteria", "resolve_by"):
                del self.fields[name]
        for name in ("statement", "summary", "condition", "resolution_criteria"):
            if name in self.fields:
                limit_length(self.fields[name])

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.fields if name != "version"}


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = ["url", "archived_url", "title", "publisher", "published_on", "stance", "note"]
        widgets = {"published_on": DateInput, "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "url": "http:// or https:// only.",
            "archived_url": "Optional: a copy in a web archive, http:// or https://.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["note"])
        for name in ("url", "archived_url"):
            # One clear message for any address that is not http(s).
            self.fields[name].validators = [validate_http_url, validate_storable_text]


class SourceEditForm(SourceForm):
    # The audit row the reviewer's copy was loaded from: a later one means
    # someone else edited the source meanwhile.
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


class NoteForm(forms.ModelForm):
    class Meta:
        model = ReviewerNote
        fields = ["body"]
        labels = {"body": "Internal note"}
        help_texts = {"body": "Only reviewers see notes. Plain text; line breaks are kept."}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["body"])
