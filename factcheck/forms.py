"""The claim list's filters, and the reviewer's forms. Each edit of the claim
itself carries the version the reviewer started from; notes and sources do not."""

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import F, Q

from . import services
from .fields import TextFormField, validate_storable_text
from .models import (
    CLAIM_EDITABLE_FIELDS,
    PREDICTION_FIELDS,
    SOURCE_EDITABLE_FIELDS,
    Claim,
    ReviewerNote,
    Source,
    validate_http_url,
)
from .statuses import ALL_STATUS_CHOICES, Kind, statuses_for

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


class ClaimFilterForm(forms.Form):
    """The filters of the claim list, which its exports and the review queue share."""

    q = forms.CharField(
        label="Search quotes and statements",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *ALL_STATUS_CHOICES], required=False)
    kind = forms.ChoiceField(choices=[("", "Facts and predictions"), *Kind.choices], required=False)
    # Text, not menus: a menu of every speaker or article stops working (and
    # costs more than the page) long before 100,000 claims.
    speaker = forms.CharField(
        label="Speaker", required=False, max_length=200, help_text="A name, or part of one."
    )
    article = forms.CharField(
        label="Article", required=False, max_length=300, help_text="A title, or part of one."
    )
    sort = forms.ChoiceField(
        label="Sort by",
        choices=[("recent", "Most recent change"), ("resolve_by", "Resolve-by date")],
        required=False,
    )

    def filters(self):
        """The fields that are valid and set: an invalid one is shown as an error and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleans once; cleaned_data then holds only the valid fields
        return {name: value for name, value in self.cleaned_data.items() if value}

    def filter(self, claims):
        data = self.filters()
        if "q" in data:
            claims = claims.search(data["q"])
        for name in ("status", "kind"):
            if name in data:
                claims = claims.filter(**{name: data[name]})
        # A slug (as links from speaker and article pages carry) or part of a name.
        if "speaker" in data:
            text = data["speaker"]
            claims = claims.filter(Q(speaker__slug=text) | Q(speaker__name__icontains=text))
        if "article" in data:
            text = data["article"]
            claims = claims.filter(Q(article__slug=text) | Q(article__title__icontains=text))
        if data.get("sort") == "resolve_by":
            return claims.order_by(F("resolve_by").asc(nulls_last=True), "-public_updated_at", "id")
        return claims.order_by("-public_updated_at", "-id")

    def query_string(self):
        """The filters for a link that keeps them (the list's pages, its exports)."""
        return urlencode(self.filters())


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
            {
                "summary": claim.summary,
                "next_review_on": claim.next_review_on,
                "version": claim.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.claim = claim
        # No preselected status: the reviewer picks one on purpose.
        self.fields["to_status"].choices = [("", "Choose the new status")] + [
            (info.value, info.label)
            for info in statuses_for(claim.kind)
            if info.value != claim.status
        ]
        carry_shown_values(self)

    def apply(self, *, by):
        """Change the status through the service, with the summary and next
        review date if the reviewer changed them. Returns the claim fields that
        changed; ``self.claim`` is refreshed."""
        data = self.cleaned_data
        changes = claim_changes(self)
        services.change_claim_status(
            claim=self.claim,
            to_status=data["to_status"],
            rationale=data["rationale"],
            by=by,
            expected_version=data["version"],
            summary=changes.get("summary"),
            next_review_on=changes.get("next_review_on", services.UNCHANGED),
        )
        return ["status", *changes]


class ClaimFieldsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Claim
        # The speaker is chosen where the claim is taken in.
        fields = [name for name in CLAIM_EDITABLE_FIELDS if name != "speaker"]
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

    def __init__(self, *args, claim, **kwargs):
        # A ModelForm writes the posted values onto its instance when it validates.
        super().__init__(*args, instance=claim, **kwargs)
        self.claim = claim
        self.initial.setdefault("version", claim.version)
        if claim.kind != Kind.PREDICTION:
            for name in PREDICTION_FIELDS:
                del self.fields[name]
        for name in ("statement", "summary", "condition", "resolution_criteria"):
            if name in self.fields:
                limit_length(self.fields[name])
        carry_shown_values(self)

    def apply(self, *, by):
        """Save what the reviewer changed through the service. Returns the
        fields that changed (none: nothing was written)."""
        return services.edit_claim(
            claim=self.claim,
            changes=claim_changes(self),
            by=by,
            expected_version=self.cleaned_data["version"],
        )


# --- What the two forms that edit the claim itself share ---------------------------
# The review page refreshes a form's version after a save in another panel, and
# leaves alone what the reviewer may be typing there: a form can show an older
# claim than its version says. So every claim field it shows also carries, hidden,
# the value it showed (Django's show_hidden_initial): a save writes only what the
# reviewer changed from that, and a field that changed meanwhile is a conflict.

# A form that does not say what it showed (a script that sends no initial-…).
NOT_SHOWN = object()


class ShownValueBoundField(forms.BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if (widget or self.field.widget).is_hidden:
            # Django gives the hidden copy the field's aria-describedby too, and
            # a hidden input may have no aria-* attributes.
            attrs.pop("aria-describedby", None)
        return attrs


def carry_shown_values(form):
    for name in claim_fields(form):
        field = form.fields[name]
        field.bound_field_class = ShownValueBoundField
        # Without the hidden value a field compares with the claim as stored.
        field.show_hidden_initial = not form.is_bound or form.add_initial_prefix(name) in form.data


def claim_fields(form):
    return [name for name in form.fields if name in CLAIM_EDITABLE_FIELDS]


def claim_changes(form):
    """{field: cleaned value} for the claim fields the reviewer changed."""
    return {
        name: form.cleaned_data[name] for name in form.changed_data if name in claim_fields(form)
    }


def shown_value(form, name):
    field = form.fields[name]
    if not field.show_hidden_initial:
        return NOT_SHOWN
    try:
        return field.to_python(form.data.get(form.add_initial_prefix(name)))
    except ValidationError:
        return NOT_SHOWN


def same(value, other):
    return (value or None) == (other or None)


def overtaken(form, claim):
    """The claim fields the reviewer changed whose stored value is no longer the
    one the form showed: saving would overwrite a change they have not seen."""
    return [
        name
        for name in form.changed_data
        if name in claim_fields(form)
        and (shown := shown_value(form, name)) is not NOT_SHOWN
        and not same(shown, getattr(claim, name))
    ]


def merge_after_conflict(form, current, loaded_version):
    """A conflict: the form again, bound to the claim as it is now, with the
    reviewer's changes laid over it. A field they did not touch takes its current
    value, so saving again, after reading the other change, cannot undo it by
    accident. What they "did not touch" is judged against what the form showed,
    or, from a form that does not say, the claim at ``loaded_version``.
    Returns the form and the labels of the fields changed on both sides."""
    started = None
    if any(shown_value(form, name) is NOT_SHOWN for name in claim_fields(form)):
        started = (
            Claim.history.filter(id=current.pk, version=loaded_version)
            .order_by("-history_id")
            .first()
        )
    data = form.data.copy()
    data["version"] = str(current.version)
    both = []
    for name in claim_fields(form):
        now = getattr(current, name)
        as_stored = "" if now is None else str(now)
        # From now on the form shows the current claim underneath.
        data[form.add_initial_prefix(name)] = as_stored
        try:
            mine = form.fields[name].clean(form.data.get(name, ""))
        except ValidationError:
            continue  # keep what they typed; it will show its error
        before = shown_value(form, name)
        if before is NOT_SHOWN:
            before = getattr(started, name) if started else NOT_SHOWN
        if before is not NOT_SHOWN and same(mine, before):
            data[name] = as_stored  # theirs, untouched here
        elif not same(now, None if before is NOT_SHOWN else before):
            both.append(str(Claim._meta.get_field(name).verbose_name))
    return type(form)(data, claim=current), both


class SourceForm(forms.ModelForm):
    class Meta:
        model = Source
        fields = SOURCE_EDITABLE_FIELDS
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
