from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A CSRF refusal in the site's own words (nothing was saved)."""
    return render(request, "403_csrf.html", status=403)
