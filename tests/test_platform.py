"""The platform as a new user meets it: demo data, settings from the environment, `make run`."""

import contextlib
import http.client
import os
import secrets
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from demo import data as demo_data
from dispatch.classification import KeywordClassifier
from dispatch.models import RoutingRule
from hotline.lib import env
from tests.servers import free_port, log_tail, stop_process, wait_for
from workorders.models import (
    OPEN_STATUSES,
    Assignment,
    Category,
    HandOff,
    Light,
    Profile,
    Region,
    Role,
    Status,
    Ticket,
    TicketEvent,
    Unit,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def _plain_env(**extra: str) -> dict[str, str]:
    """This environment without what the pytest session set for its own Django."""
    environ = dict(os.environ)
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "HTTPS", "ALLOWED_HOSTS"):
        environ.pop(name, None)
    environ.update(DJANGO_SETTINGS_MODULE="hotline.settings", PYTHONUNBUFFERED="1", **extra)
    return environ


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return _plain_env(
        VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://u:p@localhost/db",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="hotline.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://hotline.example.gov.cn",
        HTTPS="1",
        CELERY_BROKER_URL="redis://localhost:6379/0",
        **extra,
    )


def _manage(*args: str, environ: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the demo city --------------------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    call_command("seed_demo", tickets=60, stdout=open(os.devnull, "w"))  # noqa: SIM115


def test_seed_demo_gives_every_role_a_login(seeded):
    roles = set(Profile.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for _, username in demo_data.DEMO_LOGINS:
        assert (
            get_user_model().objects.get(username=username).check_password(demo_data.DEMO_PASSWORD)
        )
    staff = Profile.objects.filter(role=Role.UNIT_STAFF).select_related("unit")
    assert {profile.unit.kind for profile in staff} == set(Unit.Kind.values)


def test_seed_demo_builds_a_whole_city(seeded):
    assert set(Region.objects.values_list("level", flat=True)) == set(Region.Level.values)
    assert set(Unit.objects.values_list("kind", flat=True)) == set(Unit.Kind.values)
    street_offices = Unit.objects.filter(kind=Unit.Kind.STREET)
    assert all(office.parent.kind == Unit.Kind.DISTRICT for office in street_offices)
    assert Category.objects.filter(level=3).exclude(keywords="").count() >= 30
    rules = RoutingRule.objects.all()
    assert rules.filter(region__level=Region.Level.STREET).exists()  # 属地: street offices
    assert rules.filter(assist_units__isnull=False).exists()  # joint handling


def test_seed_demo_ships_the_city_map(seeded):
    from analysis.geo import map_for_cockpit
    from analysis.models import CityMap

    levels = map_for_cockpit(CityMap.objects.get(is_active=True).geojson)
    assert len(levels["districts"]["features"]) == 4
    assert len(levels["streets"]["features"]) == 16


def test_seed_demo_reaches_every_status_through_consistent_histories(seeded):
    # "resolved" is passed through at once: resolving enters follow-up in the same transaction.
    resting = set(Status.values) - {Status.RESOLVED}
    assert set(Ticket.objects.values_list("status", flat=True)) == resting
    for ticket in Ticket.objects.all():
        transitions = [
            event
            for event in TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id")
            if event.to_status
        ]
        assert transitions[0].kind == "registered"
        assert transitions[0].created_at == ticket.registered_at
        for before, after in zip(transitions, transitions[1:], strict=False):
            assert after.from_status == before.to_status, (ticket.number, after.kind)
        assert transitions[-1].to_status == ticket.status, ticket.number


def test_seed_demo_triage_tickets_wait_with_a_light(seeded):
    """The dispatch step has a deadline of hours: the demo's triage queue holds recent tickets,
    each with its dispatch light (not weeks-old tickets without one)."""
    waiting = Ticket.objects.filter(status=Status.TRIAGE)
    assert waiting.exists()
    assert not waiting.filter(dispatch_due_at__isnull=True).exists()
    lights = waiting.with_lights().values_list("dispatch_light", flat=True)
    assert all(light != Light.NONE for light in lights)
    newest = Ticket.objects.order_by("-registered_at").values_list("registered_at", flat=True)[0]
    assert all(newest - ticket.registered_at < timedelta(days=1) for ticket in waiting)


def test_seed_demo_gives_the_hotspot_page_a_cluster_and_a_surge(seeded):
    """demo.hotspots: the page and the cockpit's "当前热点与聚类" are not empty in the demo."""
    from django.utils import timezone

    from analysis.hotspots.clusters import find_clusters
    from analysis.hotspots.detection import Period
    from analysis.models import HotspotRecord, ProactiveLink

    yesterday = timezone.localdate() - timedelta(days=1)
    clusters = find_clusters(Period(yesterday, 7))
    outage = next(c for c in clusters if len(c.ticket_ids) >= 8)
    tickets = Ticket.objects.filter(pk__in=outage.ticket_ids)
    assert {t.category.name for t in tickets} == {"自来水供应"}
    assert len({t.citizen_phone for t in tickets}) == len(outage.ticket_ids)  # different callers
    assert tickets.filter(status__in=OPEN_STATUSES).count() > len(outage.ticket_ids) / 2
    # The proactive-work demo raised an order from it.
    assert ProactiveLink.objects.filter(source__in=tickets).exists()

    records = HotspotRecord.objects.filter(day=yesterday)
    surge = records.get(kind="surging", category__name="噪音扰民")
    assert surge.region.name == "锦华街道"
    assert surge.count >= 12 and surge.count >= 5 * surge.expected
    assert records.filter(kind="dangerous", category__name="燃气供应").exists()
    assert records.filter(kind="concentrated").exists()


def test_seed_demo_refuses_a_database_that_has_data(seeded):
    with pytest.raises(CommandError, match="already has"):
        call_command("seed_demo", tickets=60)


def test_demo_templates_classify_into_their_own_category(seeded):
    """The demo dispatches automatically only if its texts hit their own keywords."""
    classifier = KeywordClassifier()
    address = "滨江区江滩街道望江社区阳光花园3号楼"
    values = dict(addr=address, place="阳光花园", days=3, company="江城鑫源物流有限公司",
                  months=2, n=8, money=36000, route="37", hospital="市中医院")  # fmt: skip
    for leaf, templates in demo_data.TEMPLATES.items():
        for title, content in templates:
            title, content = title.format(**values), content.format(**values)
            prediction = classifier.predict(title=title, content=content, address=address)
            assert prediction.category is not None, title
            assert prediction.category.name == leaf, title
            assert prediction.category_confidence >= 0.6, title
    for title, content, _ in demo_data.VAGUE_TEMPLATES:
        prediction = classifier.predict(
            title=title, content=content.format(**values), address=address
        )
        assert prediction.category is None, title  # they are meant for the triage queue


# --- settings from the environment -------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (lambda: env.env_bool("HOTLINE_T"), "maybe"),
        (lambda: env.env_int("HOTLINE_T", 1), "ten"),
        (lambda: env.env_int("HOTLINE_T", 1, minimum=0), "-1"),
        (lambda: env.env_float("HOTLINE_T", 0.5, minimum=0.0, maximum=1.0), "1.5"),
        (lambda: env.env_float("HOTLINE_T", 0.5, minimum=0.0, maximum=1.0), "high"),
        (lambda: env.env_rate("HOTLINE_T", "600/minute"), "600 per minute"),
        (lambda: env.env_rate("HOTLINE_T", "600/minute"), "600/fortnight"),
    ],
)
def test_env_helpers_fail_loudly_on_bad_values(monkeypatch, reader, value):
    monkeypatch.setenv("HOTLINE_T", value)
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_T"):
        reader()


def test_env_helpers_read_good_values(monkeypatch):
    monkeypatch.setenv("HOTLINE_T", " yes ")
    assert env.env_bool("HOTLINE_T") is True
    monkeypatch.setenv("HOTLINE_T", "a.example, b.example,")
    assert env.env_list("HOTLINE_T", []) == ["a.example", "b.example"]
    monkeypatch.setenv("HOTLINE_T", "")
    assert env.env_int("HOTLINE_T", 7) == 7
    monkeypatch.setenv("HOTLINE_T", "20/second")
    assert env.env_rate("HOTLINE_T", "600/minute") == "20/second"
    monkeypatch.delenv("HOTLINE_T")
    assert env.env_float("HOTLINE_T", 0.6, minimum=0.0, maximum=1.0) == 0.6


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", environ=_production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_example_production_environment_passes_the_deploy_check(tmp_path):
    example = (REPO_ROOT / "deploy" / "production.env.example").read_text()
    values = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    assert values["CACHE_URL"].startswith("redis://") and values["TRUSTED_PROXIES"] == "1"
    environ = {**_production_env(tmp_path), **values, "MEDIA_ROOT": str(tmp_path / "media")}

    result = _manage("check", "--deploy", "--fail-level", "WARNING", environ=environ)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_redis_visibility_timeout_outlasts_every_task_countdown(tmp_path):
    # A message taken by a worker that then died comes back after the visibility timeout; one
    # waiting for a countdown longer than that would be handed out again every time it passes.
    from workorders.tasks import _backoff

    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings;"
        " print(settings.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])",
        environ=_production_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    # Notifications' backoff; auto_dispatch's retry_backoff (Celery caps it at 600 s by default);
    # the survey's 30 s · 2⁴.
    longest = max(_backoff(99), 600, 30 * 2**4)
    assert int(result.stdout.strip().splitlines()[-1]) > longest + 30


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", None),
        ("CONN_MAX_AGE", "forever"),
        ("DATABASE_URL", "mysql://u:p@h/db"),
        ("CACHE_URL", "memcached://cache:11211"),
        ("TRUSTED_PROXIES", "-1"),
    ],
)
def test_production_settings_refuse_to_start_when_misconfigured(tmp_path, name, value):
    environ = _production_env(tmp_path)
    if value is None:
        del environ[name]
    else:
        environ[name] = value
    result = _manage("check", environ=environ)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and name in result.stderr


# --- make run --------------------------------------------------------------------------------------


def _get(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def test_run_platform_starts_everything_and_stops_cleanly_on_ctrl_c(tmp_path):
    port = free_port()
    log = tmp_path / "run_platform.log"
    with open(log, "w") as output:
        # A group of its own, so that a failing test can stop everything it started.
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_platform", "--port", str(port)],
            cwd=REPO_ROOT,
            env=_plain_env(VAR_DIR=str(tmp_path / "var")),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def banner_and_page():
            assert process.poll() is None, log_tail(log)
            return "Ctrl-C" in log.read_text() and _get(port, "/")

        status = wait_for(banner_and_page, timeout=120, interval=0.5, what="the platform")
        assert status < 500
        assert _get(port, "/static/admin/css/base.css") == 200
        text = log.read_text()
        # The rankings pages have months to show: the demo got its follow-ups too.
        assert "演示回访" in text and "months published" in text
        assert f"http://127.0.0.1:{port}/" in text and demo_data.DEMO_PASSWORD in text
        for _, username in demo_data.DEMO_LOGINS:
            assert username in text
        wait_for(lambda: "celery@" in log.read_text() and "beat: Starting" in log.read_text(),
                 timeout=60, what="worker and beat")  # fmt: skip

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, log_tail(log)
        with pytest.raises(ProcessLookupError):  # no child, nor a child's child, is left
            os.killpg(process.pid, 0)
        assert _get(port, "/") is None
    finally:
        with contextlib.suppress(ProcessLookupError):
            stop_process(process)


def test_seed_demo_hands_some_street_tickets_to_the_community(seeded):
    """staff_jiangtan and staff_wangjiang see the hand-off flow (demo.hand_offs)."""
    hand_offs = HandOff.objects.select_related("street", "community", "ticket")
    assert hand_offs.exists()
    for hand_off in hand_offs:
        assert hand_off.community.name == demo_data.COMMUNITY_STAFF[1]
        assert hand_off.community.parent == hand_off.street
        assert hand_off.ticket.assignments.filter(
            unit=hand_off.community, role=Assignment.Role.COMMUNITY, active=True
        ).exists()
        assert hand_off.ticket.lead_assignment.unit == hand_off.street
