from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A CSRF refusal in the site's own words (nothing was saved)."""
    return render(request, "403_csrf.html", status=403)


def bad_request(request, reason):
    """400: a request no page of ours would send. Nothing was saved."""
    return render(request, "400.html", {"reason": reason}, status=400)
