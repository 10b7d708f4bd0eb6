from django.http import HttpResponse
from django.urls import path

from factcheck.urls import urlpatterns as site_urlpatterns


def bare(request):
    """The ceiling: the cheapest response Django can give through the same middleware."""
    return HttpResponse("ok")


urlpatterns = [path("bench/ok/", bare), *site_urlpatterns]
