"""Run the whole platform in the foreground: web server, Celery worker and Celery beat.

Why it exists: ``make run`` must give a working hotline on a machine with nothing but Python —
one command that prepares the database and static files, fills an empty database with the demo
city, and supervises the three processes, stopping them together on Ctrl-C (or when one dies).
Production runs the same three programs separately (docker-compose.yml).
"""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from demo import data as demo_data
from hotline.lib.env import env_int
from workorders.models import Ticket

# How long children get to finish what they are doing after SIGTERM before they are killed.
STOP_TIMEOUT = 10.0


class Command(BaseCommand):
    help = "运行平台：网页服务、Celery worker 和 beat (run web server, worker and beat together)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=env_int("PORT", 8000, minimum=1),
            help="port on 127.0.0.1 (default: $PORT or 8000)",
        )

    def handle(self, *args, port: int, **options):
        self._check_port_free(port)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已就绪 (database migrated)")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("静态文件已就绪 (static files collected)")
        if not Ticket.objects.exists() and not get_user_model().objects.exists():
            call_command("seed_demo", stdout=self.stdout)
            # The rankings pages need the follow-ups and published months of the demo's history.
            call_command("seed_evaluation_demo", stdout=self.stdout)
        demo = get_user_model().objects.filter(username=demo_data.DEMO_LOGINS[0][1]).exists()
        # The children open their own connections; SQLite must not see this one held open.
        connections.close_all()

        stop = []

        def request_stop(signum, frame):
            stop.append(signum)

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        self.stdout.flush()  # before the children's output joins ours
        children = self._start(port)
        self._wait_for_port(port, children)
        self._banner(port, demo)

        died = None
        while not stop and died is None:
            died = next(
                (name for name, child in children.items() if child.poll() is not None), None
            )
            time.sleep(0.3)
        self._stop(children)
        if died is not None:
            code = children[died].returncode
            raise CommandError(
                f"{died} 意外退出 (exited unexpectedly with code {code}); stopped the others"
            )
        self.stdout.write("已停止 (stopped)")

    def _start(self, port: int) -> dict[str, subprocess.Popen]:
        bin_dir = Path(sys.executable).parent
        commands = {
            "web (gunicorn)": [
                str(bin_dir / "gunicorn"),
                "hotline.wsgi",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--threads=4",
                "--graceful-timeout=5",
                "--no-control-socket",  # it would live in $HOME, shared by every checkout
            ],
            "worker (celery)": [
                str(bin_dir / "celery"),
                "--app=hotline",
                "worker",
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--concurrency=2",
            ],
            "beat (celery)": [
                str(bin_dir / "celery"),
                "--app=hotline",
                "beat",
                "--loglevel=info",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        # Same process group as this one: Ctrl-C in the terminal reaches them too, and whoever
        # started us can stop the whole group at once. We still terminate each one ourselves,
        # because a SIGINT or SIGTERM may have been sent to this process alone.
        return {
            name: subprocess.Popen(command, cwd=settings.BASE_DIR)
            for name, command in commands.items()
        }

    def _check_port_free(self, port: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                raise CommandError(
                    f"端口 {port} 已被占用 (port {port} is in use): choose another, "
                    "e.g. make run PORT=8001"
                ) from None

    def _wait_for_port(self, port: int, children: dict[str, subprocess.Popen]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children.values()):
                return  # the main loop reports it
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)

    def _banner(self, port: int, demo: bool) -> None:
        lines = [
            "",
            "=" * 72,
            f"  12345 热线工单平台已启动 (running): http://127.0.0.1:{port}/",
            "",
        ]
        if demo:
            lines.append(f"  演示账号 (demo logins), 密码 password: {demo_data.DEMO_PASSWORD}")
            lines += [f"    {username:<16} {role}" for role, username in demo_data.DEMO_LOGINS]
            lines.append("")
        lines += ["  按 Ctrl-C 停止 (press Ctrl-C to stop)", "=" * 72, ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} 未及时退出，强制结束 (did not stop in time; killed)")
                child.kill()
                child.wait()
