from django.contrib import admin
from django.urls import include, path

from .feeds import ClaimChangesFeed, LatestStatusChangesFeed
from .views import public

public_patterns = [
    path("", public.home, name="home"),
    path("articles/<slug:slug>/", public.article_detail, name="article_detail"),
    path("claims/", public.claim_list, name="claim_list"),
    path("claims/<slug:slug>/", public.claim_detail, name="claim_detail"),
    path("claims/<slug:slug>/feed/", ClaimChangesFeed(), name="claim_feed"),
    path("speakers/<slug:slug>/", public.person_detail, name="person_detail"),
    path("methodology/", public.methodology, name="methodology"),
    path("feed/", LatestStatusChangesFeed(), name="status_changes_feed"),
    path("exports/claims.json", public.export_json, name="export_json"),
    path("exports/claims.csv", public.export_csv, name="export_csv"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((public_patterns, "factcheck"))),
]
