"""Every public page is valid HTML, as the Nu Html Checker (vnu.jar) judges it.

The checker comes from the npm package vnu-jar and needs Java: `make validators`
installs it into .cache/. Without it this test skips, except where
FACTCHECK_REQUIRE_VALIDATORS=1 (CI), where it fails instead.
"""

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from factcheck import services
from factcheck.models import Claim, ClaimCondition, Condition, ReaderMessage
from factcheck.services import add_source, edit_claim, receive_reader_message
from tests.desk import set_status

VNU_JAR = Path(
    os.environ.get(
        "VNU_JAR", settings.BASE_DIR / ".cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
    )
)


def require_checker():
    missing = None
    if not VNU_JAR.is_file():
        missing = f"vnu.jar not found at {VNU_JAR}; run `make validators` (needs npm)"
    elif not shutil.which("java"):
        missing = "java not found; install a JRE (apt-get install default-jre-headless)"
    if missing:
        if os.environ.get("FACTCHECK_REQUIRE_VALIDATORS") == "1":
            pytest.fail(missing)
        pytest.skip(missing)


@pytest.mark.django_db
def test_every_public_page_is_valid_html(
    client, fact, prediction, make_claim, reviewer, editor, tmp_path
):
    require_checker()
    # The article page nests the prediction's highlight in this one's.
    make_claim(quote="Officials said the number will double by 2025.", slug="outer")
    Claim.objects.filter(pk=prediction.pk).update(certainty="might")
    add_source(
        claim=fact,
        by=reviewer,
        url="https://stats.example.gov/p?a=1&b=2",
        title="Permits & visas <2022>",
        stance="supports",
        note="Table 4.",
        reason="A better source came out.",
    )
    set_status(
        claim=fact,
        to_status="accurate",
        rationale="Confirmed.",
        by=reviewer,
        expected_version=1,
        summary="Right.",
    )
    edit_claim(
        claim=fact,
        changes={"summary": "Right, per the ministry."},
        by=reviewer,
        expected_version=fact.version,
        correction_reason="Reworded for readers.",
    )
    set_status(
        claim=prediction, to_status="pending", rationale="Waiting.", by=reviewer, expected_version=1
    )
    # The prediction hangs on a condition, resolved, with its source.
    condition = Condition.objects.create(
        slug="permits-still-issued",
        statement="Permits are still issued.",
        resolve_by=datetime.date(2025, 6, 30),
    )
    ClaimCondition.objects.create(claim=prediction, condition=condition)
    services.add_condition_source(
        condition=condition, by=reviewer, url="https://gazette.example.gov/", title="Gazette"
    )
    services.resolve_condition(
        condition=condition, to_status="met", rationale="Still.", by=reviewer, expected_version=1
    )
    pages = {
        "home": "/",
        "article": fact.article.get_absolute_url(),
        "claim-list": "/claims/?q=permit&kind=fact",
        "claim-list-empty": "/claims/?q=nothing-matches",
        "claim-list-error": "/claims/?status=bogus",
        "fact": fact.get_absolute_url(),
        "prediction": prediction.get_absolute_url(),
        "speaker": prediction.speaker.get_absolute_url(),
        "methodology": "/methodology/",
        "articles": "/articles/",
        "speakers": "/speakers/",
        "claim-list-overdue": "/claims/?status=overdue",
        "corrections": "/corrections/",
        "about": "/about/",
        "suggest": "/suggest/",
        "report": f"{fact.get_absolute_url()}report/",
        "condition": condition.get_absolute_url(),
    }
    reviewer_pages = {
        "login": "/accounts/login/",
        "queue": "/review/?kind=prediction",
        "review-fact": f"/review/claims/{fact.slug}/",
        "review-prediction": f"/review/claims/{prediction.slug}/",
        "history": f"/review/claims/{fact.slug}/history/",
        "review-condition": f"/review/conditions/{condition.slug}/",
    }
    intake = f"/review/articles/{fact.article.slug}"
    editor_pages = {
        "intake-articles": "/review/articles/",
        "intake-article-new": "/review/articles/new/",
        # Two sentences hold claims; the third is open, with its form.
        "intake-article": f"{intake}/",
        "intake-claim-new": f"{intake}/claims/new/?start=0&end=55",
        "intake-preview": f"{intake}/preview/",
        # The owner panel's editor form, and the queue section's links.
        "review-as-editor": f"/review/claims/{prediction.slug}/?section=overdue",
        "my-claims": "/review/?owner=mine",
        "reader-messages": "/review/messages/",
        "about-edit": "/review/about/",
    }
    receive_reader_message(
        message=ReaderMessage(
            kind=ReaderMessage.Kind.SUGGESTION,
            text="Rents will halve.",
            source_url="https://example.com/a?b=1&c=2",
            email="reader@example.org",
        )
    )
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.status_code == 400
    (tmp_path / "bad-request.html").write_bytes(refused.content)
    files = [str(tmp_path / "bad-request.html")]
    for user, user_pages in ((None, pages), (reviewer, reviewer_pages), (editor, editor_pages)):
        if user:
            client.force_login(user)
        for name, url in user_pages.items():
            response = client.get(url)
            assert response.status_code == 200, url
            path = tmp_path / f"{name}.html"
            path.write_bytes(response.content)
            files.append(str(path))

    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    problems = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert problems == [], "\n".join(problems)
