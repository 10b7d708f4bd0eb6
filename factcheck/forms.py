"""The claim list's filters, and the reviewer's forms. Each edit of the claim
itself carries the version the reviewer started from; notes and sources do not."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import capfirst

from . import services
from .fields import TextFormField, normalise_line_endings, validate_storable_text
from .models import (
    CLAIM_EDITABLE_FIELDS,
    CONDITION_SOURCE_FIELDS,
    PREDICTION_FIELDS,
    SOURCE_EDITABLE_FIELDS,
    Article,
    Claim,
    Condition,
    ConditionSource,
    Person,
    Polarity,
    ReaderMessage,
    ReviewerNote,
    ReviewerProfile,
    SitePage,
    Source,
    StatusChange,
    validate_http_url,
)
from .roles import REVIEWER
from .seeding import split_article_file
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


def correction_reason_field(help_text):
    """Why a change the public timeline lists was made: required there (the
    service says when), shown with it."""
    return TextFormField(
        label="Reason, for the public record",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=help_text,
    )


# Values of the status filter that stand for several statuses: predictions
# without a final status, and those of them whose resolve-by date has passed.
AWAITING_RESOLUTION = "awaiting_resolution"
OVERDUE = "overdue"
STATUS_FILTER_CHOICES = [
    ("", "Any status"),
    ("Predictions", [(AWAITING_RESOLUTION, "Awaiting resolution"), (OVERDUE, "Overdue")]),
    ("Statuses", ALL_STATUS_CHOICES),
]


# The speaker filter's value for the claims no person makes: the articles' own
# (the lists read "the article (Vlast)").
ARTICLES_OWN = "article"


class ClaimFilterForm(forms.Form):
    """The filters of the claim list, which its exports and the review queue
    share. ``today`` (the site's, by default) decides what is overdue."""

    articles_own = ARTICLES_OWN  # for the speaker field's suggestion

    q = forms.CharField(
        label="Search quotes, statements, speakers and titles",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    kind = forms.ChoiceField(choices=[("", "Facts and predictions"), *Kind.choices], required=False)
    # Text, not menus: a menu of every speaker or article stops working (and
    # costs more than the page) long before 100,000 claims.
    speaker = forms.CharField(
        label="Speaker",
        required=False,
        max_length=200,
        help_text=f"A name, or part of one; “{ARTICLES_OWN}” for the articles' own claims.",
        widget=forms.TextInput(attrs={"list": "speaker-suggestions"}),
    )
    article = forms.CharField(
        label="Article", required=False, max_length=300, help_text="A title, or part of one."
    )
    sort = forms.ChoiceField(
        label="Sort by",
        # Without a search, the best match is the most recent change.
        choices=[
            ("", "Best match"),
            ("recent", "Most recent change"),
            ("resolve_by", "Resolve-by date"),
        ],
        required=False,
    )

    def __init__(self, *args, today=None, as_of=None, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)  # filter labels read as headings
        # A past day (as_of.AsOf): the statuses, and what was overdue, then.
        self.as_of = as_of
        self.today = as_of.day if as_of else today or timezone.localdate()

    def filters(self):
        """The fields that are valid and set: an invalid one is shown as an error and ignored."""
        if not self.is_bound:
            return {}
        self.is_valid()  # cleans once; cleaned_data then holds only the valid fields
        return {name: value for name, value in self.cleaned_data.items() if value}

    def leaves_out_nothing(self):
        """Whether the list holds every claim readers may see today."""
        return not self.as_of and not self.filters().keys() - {"sort"}

    def filter(self, claims):
        data = self.filters()
        if "q" in data:
            claims = claims.search(data["q"])
        fields = {"status": "status", "resolve_by": "resolve_by"}
        if self.as_of:
            claims = claims.as_it_stood(self.as_of.cutoff)
            fields = {"status": "status_then", "resolve_by": "resolve_by_then"}
        status = data.get("status")
        if status == AWAITING_RESOLUTION:
            claims = claims.awaiting_resolution(fields["status"])
        elif status == OVERDUE:
            claims = claims.overdue(self.today, **fields)
        elif status:
            claims = claims.filter(**{fields["status"]: status})
        if "kind" in data:
            claims = claims.filter(kind=data["kind"])
        # A slug (as links from speaker and article pages carry) or part of a
        # name; or the articles' own claims, which have no speaker.
        if "speaker" in data:
            text = data["speaker"]
            if text.casefold() == ARTICLES_OWN:
                claims = claims.filter(speaker__isnull=True)
            else:
                claims = claims.filter(Q(speaker__slug=text) | Q(speaker__name__icontains=text))
        if "article" in data:
            text = data["article"]
            claims = claims.filter(Q(article__slug=text) | Q(article__title__icontains=text))
        sort = data.get("sort")
        if sort == "resolve_by":
            return claims.order_by(
                F(fields["resolve_by"]).asc(nulls_last=True), "-public_updated_at", "id"
            )
        if "q" in data and not sort:
            return claims.order_by("search_rank", "-public_updated_at", "-id")
        return claims.order_by("-public_updated_at", "-id")

    def query_string(self):
        """The filters for a link that keeps them (the list's pages, its exports)."""
        return urlencode(self.filters())


def errors_by_field(error):
    """A ValidationError's messages by field name (None: the form as a whole)."""
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


def explanation_field(name):
    """A form field for one of the explanations some status changes need, as
    the timeline's column declares it."""
    column = StatusChange._meta.get_field(name)
    return TextFormField(
        label=capfirst(column.verbose_name),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=column.help_text,
    )


class QueueFilterForm(ClaimFilterForm):
    """The claim filters, and whose claims: the review queue's."""

    owner = forms.ChoiceField(
        label="Owner",
        choices=[("", "Anyone or no one"), ("mine", "My claims"), ("unowned", "Unowned")],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def filter(self, claims):
        owner = self.filters().get("owner")
        if owner == "mine":
            claims = claims.filter(owner=self.user)
        elif owner == "unowned":
            claims = claims.filter(owner__isnull=True)
        return super().filter(claims)


class OwnerChoiceField(forms.ModelChoiceField):
    """Who may own a claim: an active reviewer (editors are reviewers too), or no
    one. ``current``, the claim's owner, stays a choice even once they no longer
    qualify, so that a form saved as shown keeps them rather than emptying."""

    def __init__(self, *, current=None, **kwargs):
        users = REVIEWER.members()
        if current is not None:
            users |= get_user_model().objects.filter(pk=current)
        kwargs.setdefault("label", "Owner")
        super().__init__(
            users.order_by(get_user_model().USERNAME_FIELD),
            required=False,
            empty_label="No one (unowned)",
            error_messages={"invalid_choice": "Choose an active reviewer, or no one."},
            **kwargs,
        )

    def label_from_instance(self, user):
        return user.get_username()


class OwnerForm(forms.Form):
    """An editor gives a claim to a reviewer, or to no one."""

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, initial={"owner": claim.owner_id}, **kwargs)
        self.fields["owner"] = OwnerChoiceField(current=claim.owner_id, label="Give it to")


def rationale_field(help_text):
    """A change of status's public rationale (a claim's or a condition's)."""
    return TextFormField(
        label="Public rationale",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=help_text,
    )


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label="New status")
    rationale = rationale_field("Shown on the public timeline: why the status changes.")
    summary = TextFormField(
        label="Public summary",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The verdict in a few sentences, as the public reads it.",
    )
    searched = explanation_field("searched")
    resolved_early_because = explanation_field("resolved_early_because")
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
        self.proposal = None  # what apply() proposed, if it did
        # No preselected status: the reviewer picks one on purpose.
        self.fields["to_status"].choices = [("", "Choose the new status")] + [
            (info.value, info.label)
            for info in statuses_for(claim.kind)
            if info.value != claim.status
        ]
        carry_shown_values(self)

    def apply(self, *, by):
        """Change the status through the service, with the summary and next
        review date if the reviewer changed them; a status that needs sign-off
        becomes a proposal instead. Returns the claim fields that changed
        (none for a proposal); ``self.claim`` is refreshed."""
        data = self.cleaned_data
        changes = claim_changes(self)
        explained = {name: data[name] for name in ("searched", "resolved_early_because")}
        if services.needs_signoff(self.claim.kind, data["to_status"]):
            self.proposal = services.propose_status_change(
                claim=self.claim,
                to_status=data["to_status"],
                rationale=data["rationale"],
                by=by,
                expected_version=data["version"],
                summary=data["summary"],
                next_review_on=changes.get("next_review_on"),
                **explained,
            )
            return []
        services.change_claim_status(
            claim=self.claim,
            to_status=data["to_status"],
            rationale=data["rationale"],
            by=by,
            expected_version=data["version"],
            summary=changes.get("summary"),
            next_review_on=changes.get("next_review_on", services.UNCHANGED),
            **explained,
        )
        return ["status", *changes]


class ClaimFieldsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    correction_reason = correction_reason_field(
        "Needed once the article is published for a change to the statement, condition, "
        "criteria or resolve-by date, and once the claim has had a verdict for any change "
        "readers see: it is listed on the claim's page, before and after."
    )

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
            correction_reason=self.cleaned_data["correction_reason"],
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


SOURCE_CORRECTION = (
    "Needed once the claim has had a verdict: a change to its sources is then a correction "
    "on its public page."
)


class SourceForm(forms.ModelForm):
    reason = correction_reason_field(SOURCE_CORRECTION)

    class Meta:
        model = Source
        fields = SOURCE_EDITABLE_FIELDS
        widgets = {"published_on": DateInput, "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "url": "http:// or https:// only.",
            "archived_url": "Optional: a copy in a web archive, http:// or https://.",
        }

    def __init__(self, *args, needs_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_reason:  # before the claim's first verdict
            del self.fields["reason"]
        limit_length(self.fields["note"])
        for name in ("url", "archived_url"):
            # One clear message for any address that is not http(s).
            self.fields[name].validators = [validate_http_url, validate_storable_text]


class ConditionResolutionForm(forms.Form):
    to_status = forms.ChoiceField(label="New status")
    rationale = rationale_field(
        "Shown on the condition's page: why it is resolved so (or re-opened)."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, condition, **kwargs):
        kwargs.setdefault("initial", {"version": condition.version})
        super().__init__(*args, **kwargs)
        # No preselected status: the reviewer picks one on purpose.
        self.fields["to_status"].choices = [("", "Choose the new status")] + [
            choice for choice in Condition.Status.choices if choice[0] != condition.status
        ]


class ConditionSourceForm(forms.ModelForm):
    class Meta:
        model = ConditionSource
        fields = CONDITION_SOURCE_FIELDS
        widgets = {"published_on": DateInput, "note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"url": "http:// or https:// only."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["note"])
        # One clear message for any address that is not http(s).
        self.fields["url"].validators = [validate_http_url, validate_storable_text]


class ConditionLinkChangeForm(forms.Form):
    """What every change to a prediction's tracked conditions carries: the
    claim version the reviewer saw and, once its article is published, the
    public reason."""

    reason = correction_reason_field(
        "Needed once the article is published: the change is then listed on the "
        "prediction's public page, before and after."
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, claim, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", claim.version)
        super().__init__(*args, **kwargs)
        if claim.article_is_public:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = services.LINK_REASON_NEEDED
        else:  # a draft's links are its taking in, not a change readers saw
            del self.fields["reason"]


def polarity_field():
    return forms.ChoiceField(
        label="The prediction applies", choices=Polarity.choices, initial=Polarity.IF_MET
    )


class ConditionLinkForm(ConditionLinkChangeForm):
    condition = forms.ModelChoiceField(
        queryset=Condition.objects.all(), to_field_name="slug", empty_label="Choose a condition"
    )
    polarity = polarity_field()
    field_order = ["condition", "polarity", "reason"]

    def __init__(self, *args, claim, **kwargs):
        super().__init__(*args, claim=claim, **kwargs)
        field = self.fields["condition"]
        field.label_from_instance = lambda condition: (
            f"{condition.statement} (resolve by {condition.resolve_by:%Y-%m-%d})"
        )
        # The menu offers what is not linked yet; a link made meanwhile, from
        # another page, is refused by the service with a clear message.
        linked = set(claim.condition_links.values_list("condition__slug", flat=True))
        field.widget.choices = [choice for choice in field.choices if str(choice[0]) not in linked]


class ConditionCreateForm(ConditionLinkChangeForm, forms.ModelForm):
    """A new condition, linked in the same step: the service creates it."""

    polarity = polarity_field()
    field_order = ["statement", "resolve_by", "polarity", "reason"]

    class Meta:
        model = Condition
        fields = ["statement", "resolve_by"]
        labels = {"statement": "New condition"}
        widgets = {"statement": forms.Textarea(attrs={"rows": 2}), "resolve_by": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["statement"])


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


class SourceToggleForm(forms.Form):
    """Removing or restoring a source: its reason, once it is a correction."""

    reason = correction_reason_field(SOURCE_CORRECTION)


class SendBackForm(forms.Form):
    note = TextFormField(
        label="What it needs",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the proposer: why it is sent back, and what would make it right.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "send-back")
        super().__init__(*args, **kwargs)


class ReviewerSettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewerProfile
        fields = ["public_name", "sends_reminders"]

    def clean_public_name(self):
        name = self.cleaned_data["public_name"]
        if not name and self.instance.user.proposals.exists():
            raise ValidationError(
                "Your proposals are credited to this name on public pages: it cannot be blank."
            )
        return name


# --- Taking in articles (editors) ------------------------------------------------

ARTICLE_TEXT_LIMIT = 200_000
UPLOAD_LIMIT = 1024 * 1024


class ArticleIntakeForm(forms.ModelForm):
    """A new article, its text pasted or uploaded as a file in the seed format."""

    text_file = forms.FileField(
        label="Or upload the text",
        required=False,
        help_text=(
            "A .txt file as the claims files use: a first line “ date YYYY-MM-DD ”, then "
            "the text. At most 1 MB, in UTF-8; its date fills the publication date."
        ),
    )
    take_in_anyway = forms.BooleanField(
        label="This is a different article: take it in anyway", required=False
    )

    class Meta:
        model = Article
        fields = ["title", "publisher", "url", "published_on", "text"]
        widgets = {"published_on": DateInput, "text": forms.Textarea(attrs={"rows": 14})}
        labels = {"published_on": "Publication date", "text": "Text"}
        help_texts = {
            "text": "Paste the whole text. Separate paragraphs with a blank line.",
            "url": "Where the publisher has it.",
        }
        field_classes = {"text": TextFormField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].required = False
        self.fields["published_on"].required = False
        limit_length(self.fields["text"], ARTICLE_TEXT_LIMIT)
        self.known = []  # articles this one may repeat

    def clean_text_file(self):
        upload = self.cleaned_data.get("text_file")
        if not upload:
            return None
        if upload.size > UPLOAD_LIMIT:
            raise ValidationError(f"The file is larger than 1 MB ({upload.size:,} bytes).")
        data = upload.read(UPLOAD_LIMIT + 1)
        try:
            raw = data.decode("utf-8").removeprefix("\ufeff")
            return split_article_file(raw)
        except UnicodeDecodeError as error:
            raise ValidationError(
                f"The file is not UTF-8 text (byte {error.start + 1} is 0x{data[error.start]:02x})."
            ) from None
        except ValueError as error:
            message = str(error)
            raise ValidationError(
                f"The file {message}." if message[0].islower() else f"In the file: {message}"
            ) from None

    def clean(self):
        data = super().clean()
        from_file = data.get("text_file")
        if from_file and data.get("text"):
            self.add_error("text", "Paste the text or upload a file, not both.")
        elif from_file:
            file_date, text = from_file
            text = normalise_line_endings(text).strip()
            if len(text) > ARTICLE_TEXT_LIMIT:
                self.add_error(
                    "text_file", f"The text is longer than {ARTICLE_TEXT_LIMIT:,} characters."
                )
            data["text"] = self.instance.text = text
            if data.get("published_on") and data["published_on"] != file_date:
                self.add_error("published_on", f"The file's date line says {file_date:%Y-%m-%d}.")
            data["published_on"] = self.instance.published_on = file_date
        elif (
            not data.get("text") and not self.has_error("text") and not self.has_error("text_file")
        ):
            self.add_error("text", "Paste the article's text, or upload it as a file.")
        if not data.get("published_on") and not self.errors:
            self.add_error("published_on", "Give the date the article was published.")
        known = Q(title__iexact=data.get("title") or "")
        if data.get("url"):
            known |= Q(url=data["url"])
        self.known = list(Article.objects.filter(known))
        if self.known and not data.get("take_in_anyway"):
            self.add_error(
                None,
                "An article with this title or address is known already (listed below). "
                "Check that it is not the same one; if it is not, tick “take it in anyway”.",
            )
        return data


class ReasonForm(forms.Form):
    reason = TextFormField(
        label="Why", max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnclaimedForm(ReasonForm):
    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    reason = TextFormField(
        label="Why it holds nothing checkable",
        max_length=TEXT_LIMIT,
        widget=forms.TextInput(attrs={"placeholder": "An opinion; context; a question…"}),
    )


class ClaimIntakeForm(forms.ModelForm):
    """A new claim on a draft or published article: the quote (from offsets the
    page's script sends, or pasted), the speaker (known, or added here), and
    what the claim says. The claim's own rules (Claim.clean) run as for the
    claims file and the admin."""

    quote = TextFormField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_LIMIT,
        help_text="Verbatim from the article, within one paragraph, and found there only once.",
    )
    new_speaker = TextFormField(
        label="Or a new speaker",
        required=False,
        max_length=200,
        help_text="Their full name, as the article gives it.",
    )
    new_speaker_description = TextFormField(
        label="Who they are", required=False, max_length=TEXT_LIMIT
    )
    add_new_speaker_anyway = forms.BooleanField(
        label="This is someone else: add the new speaker anyway", required=False
    )
    speaker_not_named = TextFormField(
        label="Why the speaker's surname is not in the text",
        required=False,
        max_length=TEXT_LIMIT,
        help_text=(
            "Only when the article does not name them (for instance, “the minister”); "
            "kept as a note on the claim."
        ),
    )

    class Meta:
        model = Claim
        fields = ["kind", "speaker", "statement", *PREDICTION_FIELDS]
        widgets = {
            "statement": forms.Textarea(attrs={"rows": 2}),
            "condition": forms.Textarea(attrs={"rows": 2}),
            "resolution_criteria": forms.Textarea(attrs={"rows": 3}),
            "resolve_by": DateInput,
        }
        help_texts = {
            "statement": "Plain and checkable, keeping the speaker's certainty (“may”, “will”).",
            "speaker": "Leave both speaker fields blank when the claim is the article's own.",
        }

    def __init__(self, *args, article, **kwargs):
        super().__init__(*args, instance=Claim(article=article), **kwargs)
        self.article = article
        self.similar_people = []
        for name in ("statement", "condition", "resolution_criteria"):
            limit_length(self.fields[name])
        self.fields["speaker"].queryset = Person.objects.order_by("name")

    def clean_quote(self):
        quote = self.cleaned_data["quote"]
        try:
            self.instance.quote_start, self.instance.quote_end = self.article.locate(quote)
        except ValueError as error:
            raise ValidationError(f"The quote {error}.") from None
        self.instance.quote = quote
        return quote

    @property
    def prediction_fields(self):
        return [self[name] for name in PREDICTION_FIELDS]

    def clean(self):
        data = super().clean()
        if data.get("kind") == Kind.PREDICTION and not data.get("certainty"):
            # As the claims file asks of every prediction (format 2).
            self.add_error("certainty", "Say how certain the speaker was, in their own word.")
        speaker, new_name = data.get("speaker"), data.get("new_speaker") or ""
        if speaker and new_name:
            self.add_error("new_speaker", "Choose a known speaker or add a new one, not both.")
        name = speaker.name if speaker else new_name
        if name and not data.get("speaker_not_named"):
            surname = name.split()[-1]
            if surname not in self.article.text:
                self.add_error(
                    "speaker_not_named",
                    f"“{surname}” does not occur in the article's text: check the speaker, "
                    "or say why the article does not name them.",
                )
        if new_name:
            words = Q()
            for word in new_name.split():
                words |= Q(name__icontains=word)
            self.similar_people = list(Person.objects.filter(words).order_by("name")[:5])
            if self.similar_people and not data.get("add_new_speaker_anyway"):
                self.add_error(
                    "new_speaker",
                    "Someone with a similar name is known already (listed below): choose "
                    "them as the speaker, or tick “add the new speaker anyway”.",
                )
        return data

    def save(self, *, by):
        return services.take_in_claim(
            claim=self.instance,
            new_speaker=self.cleaned_data.get("new_speaker", ""),
            new_speaker_description=self.cleaned_data.get("new_speaker_description", ""),
            speaker_not_named=self.cleaned_data.get("speaker_not_named", ""),
            by=by,
        )


class TextCorrectionForm(forms.Form):
    text = TextFormField(label="The corrected text", widget=forms.Textarea(attrs={"rows": 14}))
    reason = TextFormField(
        label="What the publisher corrected",
        max_length=TEXT_LIMIT,
        help_text="Public: the article page says when the text was corrected, and this.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], ARTICLE_TEXT_LIMIT)


class RequoteForm(forms.Form):
    quote = TextFormField(
        label="The passage in the corrected text",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Verbatim, within one paragraph, and found there only once.",
    )
    reason = correction_reason_field(
        "Why this passage is the claim: on a published article, the new quote is listed "
        "on the claim's page, beside the old one."
    )


class PersonForm(forms.ModelForm):
    """A speaker's name and description, as editors correct them."""

    class Meta:
        model = Person
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["description"])


# --- What readers send the desk ----------------------------------------------------

READER_TEXT_LIMIT = 5_000


class ReaderMessageForm(forms.ModelForm):
    """A reader's message to the desk. ``leave_empty`` is a trap for robots:
    hidden from people by the stylesheet, filled in by scripts that fill every field."""

    leave_empty = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = ReaderMessage
        fields = ["text", "email"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "email": "Optional: only if you would like an answer. We use it for nothing "
            "else, and delete it 90 days after we have dealt with your message."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["text"], READER_TEXT_LIMIT)

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("leave_empty"):
            # Said above the form, where a person who filled it will see it.
            raise ValidationError(
                "Not sent: the field “Leave this field empty” must be left empty."
            )
        return cleaned


class ErrorReportForm(ReaderMessageForm):
    class Meta(ReaderMessageForm.Meta):
        labels = {"text": "What is wrong, and how do you know?"}
        help_texts = {
            **ReaderMessageForm.Meta.help_texts,
            "text": "Plain text, up to 5,000 characters. A link to your evidence helps us most.",
        }


class SuggestionForm(ReaderMessageForm):
    class Meta(ReaderMessageForm.Meta):
        fields = ["text", "source_url", "email"]
        labels = {"text": "The claim, and who made it"}
        help_texts = {
            **ReaderMessageForm.Meta.help_texts,
            "text": "Plain text, up to 5,000 characters: the words as said, by whom, and when.",
            "source_url": "Optional: the article, video or post where it was said.",
        }


class MessageSearchForm(forms.Form):
    q = TextFormField(
        label="Find a message",
        required=False,
        max_length=200,
        help_text="Its reference (R-7KQ2M9XA), or words of its text, outcome or address.",
        widget=forms.SearchInput(attrs={"autocomplete": "off"}),
    )


class HandleMessageForm(forms.ModelForm):
    """An editor marks a reader's message handled, saying what came of it."""

    class Meta:
        model = ReaderMessage
        fields = ["outcome"]
        labels = {"outcome": "Outcome"}
        help_texts = {"outcome": "What the desk did: corrected, checked, declined, and why."}
        widgets = {"outcome": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].required = True
        limit_length(self.fields["outcome"])


class SitePageForm(forms.ModelForm):
    class Meta:
        model = SitePage
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20})}
        help_texts = {
            "body": "Plain text. A blank line starts a new paragraph; web addresses "
            "(https://…) and email addresses become links."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_length(self.fields["body"])
