from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_safe

from .as_of import PARAMETER as AS_OF
from .caching import public_page
from .feeds import (
    ArticleChangesFeed,
    ClaimChangesFeed,
    CorrectionsFeed,
    LatestStatusChangesFeed,
    PersonChangesFeed,
)
from .views import contact, intake, public, readers, review

# Every public page and feed is served from the page cache; the exports
# stream, uncached, /favicon.ico redirects, and readers' forms are private.
# The claim pages first: most readers come to one, and Django tries the
# patterns in order (measured: the five that came before cost 2% of a 304).
public_patterns = [
    path(
        "claims/<slug:slug>/", public_page(public.claim_detail, params=[AS_OF]), name="claim_detail"
    ),
    path(
        "claims/",
        public_page(public.claim_list, params=[*public.ClaimFilterForm.base_fields, "page", AS_OF]),
        name="claim_list",
    ),
    path("", public_page(public.home), name="home"),
    path("articles/", public_page(public.article_list, params=["page"]), name="article_list"),
    path(
        "articles/<slug:slug>/",
        public_page(public.article_detail, params=[AS_OF]),
        name="article_detail",
    ),
    path(
        "articles/<slug:slug>/feed/",
        public_page(require_safe(ArticleChangesFeed())),
        name="article_feed",
    ),
    # Readers' forms carry a CSRF token: never cached, apart from the claim's page.
    path("claims/<slug:slug>/report/", contact.report_error, name="report_error"),
    path("suggest/", contact.suggest_claim, name="suggest_claim"),
    path(
        "claims/<slug:slug>/feed/",
        public_page(require_safe(ClaimChangesFeed())),
        name="claim_feed",
    ),
    path("conditions/<slug:slug>/", public_page(public.condition_detail), name="condition_detail"),
    path("speakers/", public_page(public.person_list, params=["page"]), name="person_list"),
    path(
        "speakers/<slug:slug>/",
        public_page(public.person_detail, params=[AS_OF]),
        name="person_detail",
    ),
    path(
        "speakers/<slug:slug>/feed/",
        public_page(require_safe(PersonChangesFeed())),
        name="person_feed",
    ),
    path("methodology/", public_page(public.methodology), name="methodology"),
    path("about/", public_page(public.about), name="about"),
    path("corrections/", public_page(public.corrections, params=["page"]), name="corrections"),
    path(
        "corrections/feed/", public_page(require_safe(CorrectionsFeed())), name="corrections_feed"
    ),
    path("feed/", public_page(require_safe(LatestStatusChangesFeed())), name="status_changes_feed"),
    path("sitemap.xml", public_page(public.sitemap_index), name="sitemap"),
    # Django's sitemap view reads ?p= (a further page of a section past its limit).
    path(
        "sitemap-<slug:section>.xml",
        public_page(public.sitemap_section, params=["p"]),
        name="sitemap_section",
    ),
    path("robots.txt", public_page(public.robots_txt), name="robots_txt"),
    path("favicon.ico", public.favicon, name="favicon"),
    path("exports/claims.json", public.export_json, name="export_json"),
    path("exports/claims.csv", public.export_csv, name="export_csv"),
]

# Everything under review/: reviewers only (each view says so).
review_patterns = [
    path("", review.review_queue, name="review_queue"),
    path("claims/<slug:slug>/", review.review_claim, name="review_claim"),
    path(
        "claims/<slug:slug>/status/",
        review.review_claim_edit,
        {"panel": "claim-status"},
        name="review_claim_status",
    ),
    path(
        "claims/<slug:slug>/fields/",
        review.review_claim_edit,
        {"panel": "claim-fields"},
        name="review_claim_fields",
    ),
    path("claims/<slug:slug>/sources/", review.review_source_add, name="review_source_add"),
    path(
        "claims/<slug:slug>/sources/<int:source_id>/",
        review.review_source_edit,
        name="review_source_edit",
    ),
    path(
        "claims/<slug:slug>/sources/<int:source_id>/remove/",
        review.review_source_remove,
        name="review_source_remove",
    ),
    path(
        "claims/<slug:slug>/sources/<int:source_id>/restore/",
        review.review_source_restore,
        name="review_source_restore",
    ),
    path("claims/<slug:slug>/notes/", review.review_note_add, name="review_note_add"),
    path(
        "claims/<slug:slug>/conditions/",
        review.review_condition_link,
        name="review_condition_link",
    ),
    path(
        "claims/<slug:slug>/conditions/new/",
        review.review_condition_create,
        name="review_condition_create",
    ),
    path(
        "claims/<slug:slug>/conditions/<int:link_id>/unlink/",
        review.review_condition_unlink,
        name="review_condition_unlink",
    ),
    *(
        path(
            f"claims/<slug:slug>/proposals/<int:proposal_id>/{decision}/",
            review.review_proposal,
            {"decision": decision},
            name=f"review_proposal_{decision.replace('-', '_')}",
        )
        for decision in ("approve", "send-back", "withdraw")
    ),
    path("conditions/<slug:slug>/", review.review_condition, name="review_condition"),
    path(
        "conditions/<slug:slug>/status/",
        review.review_condition_status,
        name="review_condition_status",
    ),
    path(
        "conditions/<slug:slug>/sources/",
        review.review_condition_source_add,
        name="review_condition_source_add",
    ),
    path("settings/", review.reviewer_settings, name="review_settings"),
    path("messages/", readers.review_messages, name="review_messages"),
    # Editors only: marking a reader's message handled, editing the about page.
    path(
        "messages/<int:message_id>/handle/",
        readers.review_message_handle,
        name="review_message_handle",
    ),
    path("about/", readers.review_about, name="review_about"),
    path(
        "claims/<slug:slug>/owner/take/",
        review.review_claim_own,
        {"move": "take"},
        name="review_claim_take",
    ),
    path(
        "claims/<slug:slug>/owner/give-back/",
        review.review_claim_own,
        {"move": "give-back"},
        name="review_claim_give_back",
    ),
    # Editors only: giving a claim to someone else.
    path("claims/<slug:slug>/owner/", review.review_claim_assign, name="review_claim_assign"),
    path("claims/<slug:slug>/history/", review.review_claim_history, name="review_claim_history"),
    # Taking in articles: editors only.
    path("articles/", intake.article_list, name="intake_articles"),
    path("articles/new/", intake.article_new, name="intake_article_new"),
    path("articles/<slug:slug>/", intake.intake_article, name="intake_article"),
    path("articles/<slug:slug>/unclaimed/", intake.intake_unclaimed, name="intake_unclaimed"),
    path(
        "articles/<slug:slug>/unclaimed/<int:start>/remove/",
        intake.intake_unmark,
        name="intake_unmark",
    ),
    path("articles/<slug:slug>/claims/new/", intake.intake_claim_new, name="intake_claim_new"),
    path("articles/<slug:slug>/publish/", intake.intake_publish, name="intake_publish"),
    path("articles/<slug:slug>/unpublish/", intake.intake_unpublish, name="intake_unpublish"),
    path("articles/<slug:slug>/preview/", intake.intake_preview, name="intake_preview"),
    path("articles/<slug:slug>/correct/", intake.intake_correct, name="intake_correct"),
    path(
        "articles/<slug:slug>/claims/<slug:claim_slug>/requote/",
        intake.intake_requote,
        name="intake_requote",
    ),
    path(
        "articles/<slug:slug>/claims/<slug:claim_slug>/withdraw/",
        intake.intake_withdraw,
        name="intake_withdraw",
    ),
    path("speakers/<slug:slug>/", intake.speaker_edit, name="intake_speaker"),
    path("articles/<slug:slug>/claims.zip", intake.intake_export, name="intake_export"),
]

# Public pages first: they take almost all the traffic, and Django tries the
# patterns in order.
urlpatterns = [
    path("", include(([*public_patterns, path("review/", include(review_patterns))], "factcheck"))),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
