from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Q, When
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .fields import TextFormField
from .forms import (
    SOURCE_CORRECTION,
    OwnerChoiceField,
    correction_reason_field,
    errors_by_field,
    explanation_field,
)
from .models import (
    CLAIM_EDITABLE_FIELDS,
    PREDICTION_FIELDS,
    SOURCE_EDITABLE_FIELDS,
    Article,
    Claim,
    ClaimCondition,
    Condition,
    ConditionSource,
    Correction,
    Person,
    Reminder,
    ReviewerNote,
    Source,
    StatusChange,
)
from .site_version import public_changed
from .statuses import statuses_for


class PublicAdmin:
    """Records the public pages show: every save or delete moves the site's version."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        public_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        public_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        public_changed()


class ClaimsFoundByItAdmin(PublicAdmin):
    """An article or a person: its claims are found by its title or their name."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.claims.refresh_search_text()


@admin.register(Article)
class ArticleAdmin(ClaimsFoundByItAdmin, admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "claim_count"]
    list_filter = ["publisher"]
    search_fields = ["title", "publisher", "text"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, article):
        return article.claim_count

    def has_add_permission(self, request):
        # Editors take in articles in the workspace, where the claims file's rules run.
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        # Claims point into the text by offsets; changing it would cut them loose.
        # Editors correct texts in the workspace.
        if not request.user.is_superuser or (obj is not None and obj.claims.exists()):
            return ["text"]
        return []


@admin.register(Person)
class PersonAdmin(ClaimsFoundByItAdmin, admin.ModelAdmin):
    list_display = ["name", "description", "claim_count"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_count=Count("claims"))

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, person):
        return person.claim_count

    def get_search_results(self, request, queryset, search_term):
        """For the speaker lookup: only names whose words start with the words
        typed, the exact name first, so "Madi T" offers no "Malika Toqmadi";
        with no match the lookup says so, and "+" beside it adds the person."""
        if request.path != reverse("admin:autocomplete") or not search_term.split():
            return super().get_search_results(request, queryset, search_term)
        for word in search_term.split():
            queryset = queryset.filter(Q(name__istartswith=word) | Q(name__icontains=f" {word}"))
        rank = Case(
            When(name__iexact=search_term.strip(), then=0),
            When(name__istartswith=search_term.strip(), then=1),
            default=2,
        )
        return queryset.annotate(rank=rank).order_by("rank", "name"), False


class AutocompleteSelect(widgets.AutocompleteSelect):
    """Django's, except that a form coming back with its errors leaves out a
    posted value that is no id of a row: Django's labels the value with a
    query that fails on it (a 500 for "abc", or a number too large for the column)."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [item for item in value if self.is_choice(item)], attr)

    def is_choice(self, value):
        try:
            self.choices.field.to_python(value)
        except ValidationError:
            return False
        return True


class SafeAutocomplete:
    """For a ModelAdmin with ``autocomplete_fields``: they use the widget above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuditedAdmin(SimpleHistoryAdmin):
    """History is there to read. Saving an old version's form would restore it
    around the services, so the history form view refuses to write."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("Old versions are read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ClaimAdminForm(forms.ModelForm):
    """Edits go through the services, so the admin obeys the same rules as the
    reviewer pages: the version is checked, and a status change is explained."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    new_status = forms.ChoiceField(
        required=False,
        help_text="Leave as it is to keep the current status.",
    )
    status_rationale = TextFormField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when the status changes. Shown to the public on the timeline.",
    )
    correction_reason = correction_reason_field(
        "Needed for an edit listed on the claim's public page: the statement, condition, "
        "criteria or resolve-by date of a published claim; anything readers see once it "
        "has had a verdict."
    )
    status_searched = explanation_field("searched")
    status_resolved_early_because = explanation_field("resolved_early_because")
    # Which the admin's fields each status-change error belongs to.
    STATUS_FIELDS = {
        "to_status": "new_status",
        "rationale": "status_rationale",
        "searched": "status_searched",
        "resolved_early_because": "status_resolved_early_because",
        "summary": "summary",
        "next_review_on": "next_review_on",
    }
    user = None  # set per request by ClaimAdmin.get_form
    # The owner, set through the service as the status is: the review page's choices.
    new_owner = OwnerChoiceField(
        help_text="Internal: the reviewer working on it. Readers never see it."
    )

    class Meta:
        model = Claim
        fields = [
            "article",
            "speaker",
            "kind",
            "quote",
            "statement",
            "slug",
            "condition",
            "resolution_criteria",
            "resolve_by",
            "summary",
            "next_review_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        claim = self.instance
        if claim.pk:
            self.fields["new_owner"] = OwnerChoiceField(
                current=claim.owner_id,
                initial=claim.owner_id,
                help_text=self.fields["new_owner"].help_text,
            )
            self.fields["expected_version"].initial = claim.version
            self.fields["new_status"].choices = [
                (info.value, info.label) for info in statuses_for(claim.kind)
            ]
            self.fields["new_status"].initial = claim.status
        else:
            # A new claim starts unreviewed and unowned: its page shows none of
            # these, so none may be read (nor fail the form with an error it
            # cannot show).
            for name in (
                "expected_version",
                *self.STATUS_FIELDS.values(),
                "new_owner",
                "correction_reason",
            ):
                if name in self.declared_fields:
                    del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        claim = self.instance
        if claim.pk is None:
            article, quote = cleaned.get("article"), cleaned.get("quote")
            if article and quote:
                try:
                    claim.quote_start, claim.quote_end = article.locate(quote)
                except ValueError as error:
                    self.add_error("quote", f"The quote {error}.")
            return cleaned

        current_version = Claim.objects.values_list("version", flat=True).get(pk=claim.pk)
        if cleaned.get("expected_version") != current_version:
            raise forms.ValidationError(
                "Someone else changed this claim since you opened it. "
                "Reload the page to see their change, then make yours again."
            )
        current = Claim.objects.get(pk=claim.pk)
        edited = [name for name in self.changed_data if name in CLAIM_EDITABLE_FIELDS]
        listed = services.corrected_fields(current, edited)
        if listed and not (cleaned.get("correction_reason") or "").strip():
            self.add_error(
                "correction_reason",
                "Say why: this edit is listed on the claim's public page, before and after.",
            )
        if cleaned.get("new_status") not in (None, "", claim.status):
            self.check_status_change(current, cleaned)
        return cleaned

    def check_status_change(self, current, cleaned):
        """The services' rules for the status change, as errors on this form's
        fields (save_model could only fail the whole page)."""
        to_status = cleaned["new_status"]
        try:
            services.check_status_change(
                current,
                to_status,
                cleaned.get("status_rationale"),
                searched=cleaned.get("status_searched") or "",
                resolved_early_because=cleaned.get("status_resolved_early_because") or "",
            )
            if services.needs_signoff(current.kind, to_status):
                services.check_can_propose(current, self.user)
        except ValidationError as error:
            for field, messages_ in errors_by_field(error).items():
                self.add_error(self.STATUS_FIELDS.get(field), messages_)


class ViewOnlyInline(admin.TabularInline):
    """Rows written only by the services: shown beside the claim, never edited."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ViewOnlyInline):
    model = StatusChange
    fields = ["changed_at", "from_status", "to_status", "rationale", "changed_by"]


class CorrectionInline(ViewOnlyInline):
    model = Correction
    fields = ["made_at", "description", "made_by"]


class SourceInline(admin.TabularInline):
    """Sources are listed here and edited on their own admin page, where every
    change goes through the services (and becomes a correction after a verdict)."""

    model = Source
    fields = ["title", "stance", "url", "added_by", "added_at", "removed_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ReviewerNoteInline(admin.StackedInline):
    model = ReviewerNote
    extra = 0
    readonly_fields = ["author", "created_at"]
    verbose_name = "internal reviewer note"


@admin.register(Claim)
class ClaimAdmin(PublicAdmin, SafeAutocomplete, AuditedAdmin):
    form = ClaimAdminForm

    def has_add_permission(self, request):
        # Editors add claims in the workspace, marking them in the article's text.
        return request.user.is_superuser

    list_display = [
        "short_statement",
        "kind",
        "status_label",
        "speaker",
        "article",
        "resolve_by",
        "next_review_on",
        "owner",
        "updated_at",
    ]
    list_filter = ["kind", "status", "article", "speaker", "resolve_by", "next_review_on"]
    search_fields = ["slug", "quote", "statement", "summary"]
    list_select_related = ["speaker", "article", "owner"]
    autocomplete_fields = ["speaker"]
    date_hierarchy = "updated_at"
    readonly_fields = [
        "status_label",
        "version",
        "quote_start",
        "quote_end",
        "created_at",
        "updated_at",
    ]
    history_list_display = ["status", "version"]

    inlines = [StatusChangeInline, CorrectionInline, SourceInline, ReviewerNoteInline]

    @admin.display(description="statement", ordering="statement")
    def short_statement(self, claim):
        return Truncator(claim.statement).chars(90)

    @admin.display(description="status", ordering="status")
    def status_label(self, claim):
        return claim.status_info.label

    def get_fieldsets(self, request, obj=None):
        claim_fields = ["article", "speaker", "kind", "quote", "statement", "slug"]
        fieldsets = [
            (None, {"fields": claim_fields}),
            (
                "Prediction",
                {
                    "fields": PREDICTION_FIELDS,
                    "description": "Only for predictions.",
                },
            ),
            ("Review", {"fields": ["summary", "next_review_on"]}),
        ]
        if obj is not None:
            fieldsets[2][1]["fields"] = [
                "status_label",
                "new_status",
                "status_rationale",
                "status_searched",
                "status_resolved_early_because",
                "summary",
                "next_review_on",
                "correction_reason",
                "new_owner",
                "expected_version",
            ]
            fieldsets.append(
                (
                    "Record",
                    {"fields": ["version", "quote_start", "quote_end", "created_at", "updated_at"]},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # The quote is anchored in its article; the kind fixes the vocabulary.
        return [*self.readonly_fields, "article", "kind", "quote", "slug"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user  # a class of this request's own
        return form

    def get_prepopulated_fields(self, request, obj=None):
        # Only on the add form: afterwards the slug is read-only (it is the permalink).
        return {"slug": ["statement"]} if obj is None else {}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.save()
            public_changed()
            return
        data = form.cleaned_data
        changes = {name: data[name] for name in CLAIM_EDITABLE_FIELDS if name in form.changed_data}
        # Both steps check the version the editor started from (plus the edit's
        # own bump), so a change someone else makes in between is a conflict.
        expected_version = data["expected_version"]
        if services.edit_claim(
            claim=obj,
            changes=changes,
            by=request.user,
            expected_version=expected_version,
            correction_reason=data.get("correction_reason", ""),
        ):
            expected_version += 1
        new_status = data.get("new_status")
        if new_status and new_status != form.fields["new_status"].initial:
            change = {
                "claim": obj,
                "to_status": new_status,
                "rationale": data["status_rationale"],
                "by": request.user,
                "expected_version": expected_version,
                "searched": data["status_searched"],
                "resolved_early_because": data["status_resolved_early_because"],
            }
            if services.needs_signoff(obj.kind, new_status):
                services.propose_status_change(**change, summary=obj.summary)
                self.message_user(
                    request,
                    "The new status is proposed: it is published when another reviewer "
                    "approves it on the claim's review page.",
                    messages.INFO,
                )
            else:
                services.change_claim_status(**change)
        if "new_owner" in form.changed_data:
            services.assign_claim(claim=obj, owner=data["new_owner"], by=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for note in instances:
            if note.author_id is None:  # notes record who wrote them
                note.author = request.user
            note.save()
        formset.save_m2m()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleClaimError as error:
            # Lost a race after the form validated: the whole save was rolled back.
            self.message_user(request, f"Nothing was saved. {error}", messages.ERROR)
            return HttpResponseRedirect(request.path)
        except ValidationError as error:
            # The owner chosen was deactivated, say, after the form validated.
            self.message_user(
                request, f"Nothing was saved. {' '.join(error.messages)}", messages.ERROR
            )
            return HttpResponseRedirect(request.path)


class ClaimChildAdmin(SafeAutocomplete, AuditedAdmin):
    list_select_related = ["claim"]
    autocomplete_fields = ["claim"]


class SourceAdminForm(forms.ModelForm):
    reason = correction_reason_field(SOURCE_CORRECTION)

    class Meta:
        model = Source
        fields = ["claim", *SOURCE_EDITABLE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        claim = cleaned.get("claim") or getattr(self.instance, "claim", None)
        needed = claim is not None and services.has_published_verdict(claim)
        if needed and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why: the claim has a published verdict.")
        return cleaned


@admin.register(Source)
class SourceAdmin(ClaimChildAdmin):
    form = SourceAdminForm
    list_display = ["title", "publisher", "stance", "claim", "added_by", "added_at", "removed_at"]
    list_filter = ["stance", "publisher", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "publisher", "url", "note", "claim__statement"]
    readonly_fields = ["added_by", "added_at", "removed_at", "removed_by"]
    actions = ["remove_sources", "restore_sources"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ["claim", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # removal is recorded and recoverable: use the actions

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data["reason"]
        if not change:
            fields = {name: form.cleaned_data[name] for name in SOURCE_EDITABLE_FIELDS}
            added = services.add_source(claim=obj.claim, by=request.user, reason=reason, **fields)
            obj.pk = added.pk
            return
        source = Source.objects.get(pk=obj.pk)
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in SOURCE_EDITABLE_FIELDS
        }
        services.edit_source(source=source, by=request.user, changes=changes, reason=reason)

    def toggle(self, request, queryset, service):
        """Remove or restore each source; one whose claim has a verdict needs a
        reason, which only its own page asks for."""
        skipped = []
        for source in queryset.select_related("claim"):
            try:
                service(source=source, by=request.user)
            except ValidationError:
                skipped.append(source.title)
        if skipped:
            self.message_user(
                request,
                "Left as they were, since their claims have a published verdict and the change "
                f"needs a reason (give it on the source's page): {', '.join(skipped)}.",
                messages.WARNING,
            )

    @admin.action(description="Remove the selected sources (recoverable)")
    def remove_sources(self, request, queryset):
        self.toggle(request, queryset, services.remove_source)

    @admin.action(description="Restore the selected sources")
    def restore_sources(self, request, queryset):
        self.toggle(request, queryset, services.restore_source)


@admin.register(ReviewerNote)
class ReviewerNoteAdmin(ClaimChildAdmin):
    list_display = ["claim", "author", "created_at"]
    search_fields = ["body", "claim__statement"]
    readonly_fields = ["author", "created_at"]

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Records that only the code writes: shown, never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatusChange)
class StatusChangeAdmin(ViewOnlyAdmin):
    """The public timeline, append-only: viewable here, written only by
    services.change_claim_status."""

    list_display = ["claim", "from_status", "to_status", "changed_by", "changed_at"]
    list_filter = ["to_status", "changed_at"]
    search_fields = ["claim__statement", "rationale"]
    list_select_related = ["claim", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(Correction)
class CorrectionAdmin(StatusChangeAdmin):
    """Corrections are written by the services when public text changes after a
    verdict; like the timeline, they are view-only."""

    list_display = ["claim", "description", "made_by", "made_at"]
    list_filter = ["made_at"]
    search_fields = ["claim__statement", "description"]
    list_select_related = ["claim", "made_by"]
    date_hierarchy = "made_at"


@admin.register(Reminder)
class ReminderAdmin(ViewOnlyAdmin):
    """What the reminder digests mailed, item by item: view-only, written by
    ``reminders.send_digests`` once the mail server took a digest."""

    list_display = ["sent_on", "recipient", "claim", "reason", "proposal", "sent_at"]
    list_filter = ["reason", "sent_on"]
    search_fields = ["recipient", "claim__statement", "claim__slug"]
    list_select_related = ["claim", "proposal__claim", "proposal__proposed_by"]
    date_hierarchy = "sent_on"


class ConditionLinkInline(admin.TabularInline):
    model = ClaimCondition
    fields = ["claim", "polarity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ConditionSourceInline(admin.TabularInline):
    model = ConditionSource
    fields = ["url", "title", "publisher", "published_on", "note", "added_by", "added_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Condition)
class ConditionAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    """Tracked conditions: declared in the claims files, resolved in the review
    workspace (services.resolve_condition); viewable here, with their history."""

    list_display = ["statement", "status", "resolve_by", "resolved_at"]
    list_filter = ["status", "resolve_by"]
    search_fields = ["statement", "slug"]
    inlines = [ConditionLinkInline, ConditionSourceInline]
