import io
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from factcheck.roles import EDITOR, REVIEWER

pytestmark = pytest.mark.django_db


def login(username, password):
    # django-axes needs the request to count failures per address.
    return authenticate(
        RequestFactory().post("/accounts/login/"), username=username, password=password
    )


def run(*args, stdin=None, monkeypatch=None):
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("createreviewer", *args, stdout=out)
    return out.getvalue()


def test_createreviewer_prints_a_generated_password_that_works():
    output = run("maria")
    password = output.split("Password (shown once, not stored anywhere): ")[1].strip()
    assert len(password) >= 20
    user = login("maria", password)
    assert user is not None
    assert user.groups.filter(name=REVIEWER.group_name).exists()
    assert user.has_perm("factcheck.change_claim")
    assert user.has_perm("factcheck.add_reviewernote")
    assert not user.has_perm("factcheck.delete_claim")
    assert not user.is_staff


def test_createreviewer_reads_a_password_from_standard_input(monkeypatch):
    output = run(
        "maria",
        "--password-stdin",
        "--staff",
        stdin="a long passphrase here\n",
        monkeypatch=monkeypatch,
    )
    assert "Password" not in output
    user = login("maria", "a long passphrase here")
    assert user.is_staff


def test_createreviewer_refuses_a_weak_password(monkeypatch):
    with pytest.raises(CommandError, match="Password refused: .*too short"):
        run("maria", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
    assert not get_user_model().objects.exists()


def test_createreviewer_refuses_an_existing_user_unless_asked_to_skip_it():
    run("maria")
    with pytest.raises(CommandError, match="exists already"):
        run("maria")
    output = run("maria", "--if-missing")
    assert "exists already" in output
    assert "Password (shown once" not in output


@pytest.mark.parametrize("role", [REVIEWER, EDITOR], ids=lambda role: role.name)
def test_migrations_create_each_roles_group_with_its_permissions(role):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name=role.group_name)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == set(role.permissions)


def test_createreviewer_makes_an_editor_who_may_take_in_articles():
    output = run("erin", "--editor")
    assert "Created editor “erin”" in output
    user = get_user_model().objects.get(username="erin")
    assert user.has_perm("factcheck.add_article") and user.has_perm("factcheck.change_claim")
    assert not user.has_perm("factcheck.delete_article")


def test_an_existing_reviewer_asked_for_as_an_editor_becomes_one_keeping_the_password():
    output = run("erin")
    password = output.split("Password (shown once, not stored anywhere): ")[1].strip()
    output = run("erin", "--editor", "--if-missing")
    assert "is now also an editor" in output and "Password (shown once" not in output
    user = login("erin", password)
    assert user is not None and user.has_perm("factcheck.add_article")


def test_collectstatic_writes_the_release_that_keys_the_page_cache(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.RELEASE_FILE = settings.STATIC_ROOT / "release.txt"
    call_command("collectstatic", "--no-input", verbosity=0)
    release = settings.RELEASE_FILE.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{16}", release)
    assert (settings.STATIC_ROOT / "factcheck" / "site.css").is_file()


def test_the_release_changes_with_the_code_and_the_templates(tmp_path, settings):
    from factcheck.management.commands.collectstatic import release_id

    for name in ("factcheck/views.py", "templates/page.html"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("one")
    settings.BASE_DIR, settings.STATIC_ROOT = tmp_path, tmp_path / "static"
    releases = [release_id()]
    for name in ("factcheck/views.py", "templates/page.html"):
        (tmp_path / name).write_text("two")
        releases.append(release_id())
    assert len(set(releases)) == 3


def test_manage_py_lists_only_the_apps_commands_not_the_tools():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "help"],
        env={**env, "DJANGO_DEBUG": "1"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    listed = result.stdout.split()
    assert "seed_claims" in listed and "createreviewer" in listed
    assert "bench" not in listed and "loadtest" not in listed


def test_analyze_database_gives_the_query_planner_statistics_of_the_claims(prediction, fact):
    out = io.StringIO()
    call_command("analyze_database", stdout=out)
    assert "Analysed" in out.getvalue()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # One row per index of the table, each starting with its row count.
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'factcheck_claim'")
            counts = {int(stat.split()[0]) for (stat,) in cursor.fetchall()}
        else:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'factcheck_claim'")
            counts = {int(reltuples) for (reltuples,) in cursor.fetchall()}
    assert counts == {2}
