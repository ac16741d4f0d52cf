"""Throw-away PostgreSQL, Redis and Django processes for the integration tests and ``make bench``.

Every server runs from the installed binaries on a free loopback port in its own temporary
folder and is stopped (terminate, then kill) and removed when its context manager exits, also on
failure. Nothing here talks to anything but 127.0.0.1.

PostgreSQL refuses to run as root, so when we are root, initdb and postgres run as the
``postgres`` OS user (``subprocess``'s ``user=``/``group=``) in a folder owned by that user.
"""

import contextlib
import glob
import http.client
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# gunicorn and celery are installed next to the interpreter running us (the project's venv).
BIN_DIR = Path(sys.executable).parent
SKIP_HINT = "(apt-get install postgresql redis-server) — integration tests skipped"
# Every wait below is bounded by one of these.
START_TIMEOUT = 40.0
STOP_TIMEOUT = 10.0
SECRET_KEY = "integration-only-secret-key-not-for-production-0123456789"


# --- finding binaries ---------------------------------------------------------------------------


def _version_key(path: str) -> tuple:
    # /usr/lib/postgresql/15/bin → (15,); "9.6" → (9, 6): numeric, so 15 sorts after 9.6.
    version = Path(path).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version))


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, or None."""
    candidates = [
        path
        for path in glob.glob("/usr/lib/postgresql/*/bin")
        if os.access(Path(path) / "initdb", os.X_OK) and os.access(Path(path) / "postgres", os.X_OK)
    ]
    if not candidates:
        return None
    return Path(max(candidates, key=_version_key))


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def _postgres_os_user() -> pwd.struct_passwd | None:
    """The account to run PostgreSQL as when we are root (it refuses to run as root)."""
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    return None


def binaries_missing() -> str | None:
    """Why the integration tests cannot run here, or None when everything is installed."""
    if postgres_bin_dir() is None:
        return f"PostgreSQL server binaries not found {SKIP_HINT}"
    if redis_binary() is None:
        return f"redis-server not found {SKIP_HINT}"
    if os.geteuid() == 0 and _postgres_os_user() is None:
        return f"running as root and no 'postgres' OS user to run PostgreSQL as {SKIP_HINT}"
    for name in ("gunicorn", "celery"):
        if not os.access(BIN_DIR / name, os.X_OK):
            return f"{name} not found next to {sys.executable} (pip install -e .) — skipped"
    return None


# --- small helpers ------------------------------------------------------------------------------


class ServerUrl(str):
    """A server's URL that also knows the server's process id (its session leader), so the
    benchmark can account CPU time to it."""

    pid: int

    def __new__(cls, url: str, *, pid: int) -> "ServerUrl":
        obj = super().__new__(cls, url)
        obj.pid = pid
        return obj


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it, so parallel runs don't collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_process(proc: subprocess.Popen, *, sig: int = signal.SIGTERM) -> None:
    """Stop a process we started in its own session: ``sig`` to its group, then SIGKILL.

    The group signal reaches children too (Celery's pool processes, gunicorn's workers), so
    nothing outlives a failed test.
    """
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
    # Also when the leader already exited: its children may still be alive in the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_TIMEOUT)


def _wait_until(check, *, timeout: float, proc: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log_tail(log)}")
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s:\n{log_tail(log)}")


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


# --- PostgreSQL ---------------------------------------------------------------------------------

# Test-only speed-ups: a crash loses the throw-away cluster, which is gone after the run anyway.
# The benchmark keeps PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes),
# because a figure measured without them says nothing about production.
UNSAFE_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def _initdb(bin_dir: Path, data: Path, *, cwd: Path, run_as: dict) -> None:
    argv = [
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C.UTF-8",
        "--no-sync",  # initialisation only; the running server keeps its own fsync setting
    ]
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, **run_as)
    if result.returncode != 0:
        raise RuntimeError(
            f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


@contextlib.contextmanager
def postgres_server(
    *, fast_unsafe: bool = False, settings: dict[str, str] | None = None, dbname: str = "hotline"
) -> Iterator[ServerUrl]:
    """A fresh PostgreSQL cluster with an empty database; yields its DATABASE_URL.

    ``fast_unsafe`` turns off fsync & co. (tests only, never the benchmark).
    """
    import psycopg

    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL server binaries not found {SKIP_HINT}")
    root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    run_as: dict = {}
    if os.geteuid() == 0:
        account = _postgres_os_user()
        os.chown(root, account.pw_uid, account.pw_gid)
        run_as = {
            "user": account.pw_uid,
            "group": account.pw_gid,
            "extra_groups": [],
            "env": {**_plain_env(), "HOME": str(root), "USER": account.pw_name},
        }
    data, log = root / "data", root / "postgres.log"
    proc = None
    try:
        _initdb(bin_dir, data, cwd=root, run_as=run_as)
        port = free_port()
        config = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(root),
            "max_connections": "200",
            "shared_buffers": "128MB",
            **(UNSAFE_FAST_SETTINGS if fast_unsafe else {}),
            **(settings or {}),
        }
        argv = [str(bin_dir / "postgres"), "-D", str(data)]
        for name, value in config.items():
            argv += ["-c", f"{name}={value}"]
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                argv,
                cwd=root,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **run_as,
            )
        admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

        def accepting() -> bool:
            try:
                with psycopg.connect(admin_url, connect_timeout=2):
                    return True
            except psycopg.OperationalError:
                return False

        _wait_until(accepting, timeout=START_TIMEOUT, proc=proc, what="postgres", log=log)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        yield ServerUrl(f"postgres://postgres@127.0.0.1:{port}/{dbname}", pid=proc.pid)
    finally:
        if proc is not None:
            # SIGINT is PostgreSQL's "fast" shutdown: disconnects clients instead of waiting.
            stop_process(proc, sig=signal.SIGINT)
        shutil.rmtree(root, ignore_errors=True)


# --- Redis --------------------------------------------------------------------------------------


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(*, port: int | None = None) -> Iterator[ServerUrl]:
    """A Redis without persistence; yields its redis:// URL.

    ``port`` lets a test choose the port up front, e.g. to point a web process at a broker that
    is not running yet and start it later.
    """
    binary = redis_binary()
    if binary is None:
        raise RuntimeError(f"redis-server not found {SKIP_HINT}")
    root = Path(tempfile.mkdtemp(prefix="hotline-redis-"))
    port = port or free_port()
    log = root / "redis.log"
    argv = [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--dir",
        str(root),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        str(log),
    ]
    proc = subprocess.Popen(
        argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        _wait_until(
            lambda: _redis_ping(port), timeout=START_TIMEOUT, proc=proc, what="redis", log=log
        )
        yield ServerUrl(f"redis://127.0.0.1:{port}/0", pid=proc.pid)
    finally:
        stop_process(proc)
        shutil.rmtree(root, ignore_errors=True)


# --- Django processes ---------------------------------------------------------------------------


def _plain_env() -> dict[str, str]:
    """Our environment without what the pytest session set for its own (SQLite) Django."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "VAR_DIR", "DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    return env


def django_env(
    *, database_url: str, broker_url: str, var_dir: Path, **extra: str
) -> dict[str, str]:
    """The environment of a production-like process: PostgreSQL, Redis, DEBUG off."""
    (var_dir / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    env = _plain_env()
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hotline.settings",
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VAR_DIR": str(var_dir),
            "DEBUG": "0",
            "ANON_THROTTLE_RATE": "100000/second",
            "USER_THROTTLE_RATE": "100000/second",
        }
    )
    env.update({name: str(value) for name, value in extra.items()})
    return env


def manage(
    *args: str, env: dict[str, str], timeout: float = 180, check: bool = True
) -> subprocess.CompletedProcess:
    """Run ``manage.py <args>`` to completion; raise with its output when it fails."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "manage.py"), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


def run_python(code: str, *, env: dict[str, str], timeout: float = 120) -> str:
    """Run a Python snippet with Django set up in a subprocess; return its stdout."""
    prelude = "import django\ndjango.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", prelude + code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"python snippet failed:\n{result.stdout[-3000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


@dataclass
class DjangoProcess:
    kind: str
    proc: subprocess.Popen | None
    log: Path
    url: str = ""  # the web server's base URL
    node: str = ""  # the Celery worker's node name
    result: subprocess.CompletedProcess | None = None
    extra: dict = field(default_factory=dict)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _http_ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/api/", headers={"Host": "127.0.0.1"})
        conn.getresponse().read()
        return True  # any HTTP answer: the app loaded and a worker serves requests
    except OSError:
        return False
    finally:
        conn.close()


@contextlib.contextmanager
def django_process(
    kind: str,
    env: dict[str, str],
    *,
    log_dir: Path | None = None,
    web_workers: int = 2,
    web_threads: int = 1,
    worker_concurrency: int = 2,
    extra_args: list[str] | None = None,
    nice: int = 0,
) -> Iterator[DjangoProcess]:
    """Run one Django process with ``env`` and yield it once it is ready; always stop it.

    kind: "migrate" (runs to completion), "web" (gunicorn serving hotline.wsgi), "worker"
    (``celery -A hotline worker``) or "beat" (``celery -A hotline beat``). ``nice`` lowers the
    process's CPU priority (e.g. a worker that should yield to the web server).
    """
    log_dir = log_dir or Path(env.get("VAR_DIR") or tempfile.mkdtemp(prefix="hotline-log-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{kind}-{uuid.uuid4().hex[:8]}.log"
    extra_args = list(extra_args or [])
    if kind == "migrate":
        result = manage("migrate", "--noinput", *extra_args, env=env)
        log.write_text(result.stdout + result.stderr)
        yield DjangoProcess(kind=kind, proc=None, log=log, result=result)
        return
    if kind == "web":
        port = free_port()
        argv = [
            str(BIN_DIR / "gunicorn"),
            "hotline.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(web_workers),
            "--chdir",
            str(REPO_ROOT),
            "--graceful-timeout",
            "5",
            "--timeout",
            "60",
        ]
        if web_threads > 1:
            argv += ["--worker-class", "gthread", "--threads", str(web_threads)]
        handle = DjangoProcess(kind=kind, proc=None, log=log, url=f"http://127.0.0.1:{port}")
        ready = lambda: _http_ready(port)  # noqa: E731
    elif kind == "worker":
        node = f"hotline-it-{uuid.uuid4().hex[:8]}@127.0.0.1"
        argv = [
            str(BIN_DIR / "celery"),
            "-A",
            "hotline",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            str(worker_concurrency),
            "--hostname",
            node,
            # Nothing to synchronise with: one worker per broker in tests and bench.
            "--without-mingle",
            "--without-gossip",
        ]
        handle = DjangoProcess(kind=kind, proc=None, log=log, node=node)
        ready = lambda: f"{node} ready." in handle.log_text()  # noqa: E731
    elif kind == "beat":
        argv = [
            str(BIN_DIR / "celery"),
            "-A",
            "hotline",
            "beat",
            "--loglevel",
            "INFO",
            "--schedule",
            str(log_dir / f"beat-{uuid.uuid4().hex[:8]}"),
        ]
        handle = DjangoProcess(kind=kind, proc=None, log=log)
        ready = lambda: "beat: Starting" in handle.log_text()  # noqa: E731
    else:
        raise ValueError(f"unknown kind {kind!r}")
    with open(log, "ab") as out:
        prefix = ["nice", "-n", str(nice)] if nice else []
        handle.proc = subprocess.Popen(
            prefix + argv + extra_args,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    if nice:
        _nice_session(handle.proc.pid, nice)
    try:
        _wait_until(ready, timeout=START_TIMEOUT, proc=handle.proc, what=kind, log=log)
        yield handle
    finally:
        stop_process(handle.proc)


def _nice_session(pid: int, nice: int) -> None:
    """Lower the CPU weight of the session ``pid`` leads, not only of its processes.

    With the kernel's autogroup scheduling (Debian's default) every session is a group that
    gets its fair share whatever its processes' nice values: a niced worker in its own session
    would still take as much CPU as the web server. The group's own nice value is what counts
    (production sets the same with cgroups: docker-compose's cpu_shares, systemd's CPUWeight).
    """
    # Without autogroups (no such file) the processes' nice value alone decides.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


# --- a small city -------------------------------------------------------------------------------

# The same city as tests/conftest.py (路灯 → 市城市管理委员会, assisted by 中关村街道办事处 in 中关村;
# 拖欠工资 → 市人力资源和社会保障局; 供水 → 自来水集团), plus one member of staff per lead unit.
# Idempotent, so a second run (bench re-run, test retry) changes nothing.
SEED_CITY = r"""
from django.contrib.auth import get_user_model
from dispatch.models import RoutingRule
from workorders.models import Category, Profile, Region, Role, Unit

if not Unit.objects.filter(name="市城市管理委员会").exists():
    root = Region.objects.create(name="北京市", level=0)
    haidian = Region.objects.create(name="海淀区", level=1, parent=root, aliases="海淀")
    zgc = Region.objects.create(name="中关村街道", level=2, parent=haidian, aliases="中关村")
    Region.objects.create(name="科源社区", level=3, parent=zgc)
    chaoyang = Region.objects.create(name="朝阳区", level=1, parent=root, aliases="朝阳")
    wangjing = Region.objects.create(name="望京街道", level=2, parent=chaoyang, aliases="望京")
    haidian_gov = Unit.objects.create(name="海淀区人民政府", kind="district", region=haidian)
    zgc_office = Unit.objects.create(
        name="中关村街道办事处", kind="street", region=zgc, parent=haidian_gov
    )
    Unit.objects.create(name="望京街道办事处", kind="street", region=wangjing)
    urban = Unit.objects.create(name="市城市管理委员会", kind="department", region=root)
    labour = Unit.objects.create(name="市人力资源和社会保障局", kind="department", region=root)
    water = Unit.objects.create(name="自来水集团", kind="enterprise", region=root)
    building = Category.objects.create(name="城乡建设")
    municipal = Category.objects.create(name="市政管理", parent=building)
    light = Category.objects.create(name="路灯", parent=municipal, keywords="路灯\n路灯不亮\n灯不亮")
    water_cat = Category.objects.create(name="供水", parent=building, keywords="停水\n水压\n自来水")
    labour_cat = Category.objects.create(name="劳动和社会保障")
    wages = Category.objects.create(name="拖欠工资", parent=labour_cat, keywords="拖欠工资\n欠薪\n工资")
    RoutingRule.objects.create(category=light, lead_unit=urban)
    zgc_rule = RoutingRule.objects.create(category=light, region=zgc, lead_unit=urban)
    zgc_rule.assist_units.add(zgc_office)
    RoutingRule.objects.create(category=wages, lead_unit=labour)
    RoutingRule.objects.create(category=water_cat, lead_unit=water)
    for username, unit in (("staff_urban", urban), ("staff_labour", labour)):
        user = get_user_model().objects.create_user(username=username, password="test-pass-12345")
        Profile.objects.create(user=user, role=Role.UNIT_STAFF, unit=unit, display_name=username)
print("seeded", Unit.objects.count(), "units", RoutingRule.objects.count(), "rules")
"""


def seed_city(env: dict[str, str]) -> str:
    return run_python(SEED_CITY, env=env)


# --- talking to the running stack ---------------------------------------------------------------


def post_json(base_url: str, path: str, payload: dict, *, timeout: float = 30) -> tuple[int, dict]:
    """POST JSON anonymously; return (status, parsed body or {"raw": text})."""
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        body = json.dumps(payload).encode()
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        response = conn.getresponse()
        raw = response.read().decode(errors="replace")
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, {"raw": raw[:2000]}


def wait_for(check, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll ``check()`` until it returns something truthy; return it, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
