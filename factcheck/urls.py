from django.contrib import admin
from django.urls import include, path

from . import views

public_patterns = [
    path("", views.home, name="home"),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("claims/<slug:slug>/", views.claim_detail, name="claim_detail"),
    path("speakers/<slug:slug>/", views.person_detail, name="person_detail"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((public_patterns, "factcheck"))),
]
