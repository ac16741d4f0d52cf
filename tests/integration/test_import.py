"""History import on PostgreSQL: the COPY path of ``manage.py import_tickets``, end to end.

SQLite (the unit tests) takes bulk_create; PostgreSQL takes COPY with ticket ids drawn from the
sequence first, the GREATEST() of the number counter and its own types (jsonb, timestamptz).
"""

import csv
import subprocess
import sys

import pytest

from tests.servers import REPO_ROOT, post_json

pytestmark = pytest.mark.integration

HEADER = ["number", "created_at", "title", "content", "address", "category", "region", "unit"]
HEADER += ["resolved_at", "reply", "status", "invalid_reason", "citizen_phone"]


def _write(path, rows, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for row in rows:
            writer.writerow([row.get(column, "") for column in HEADER])
    return path


def _import(stack, path, *args):
    return subprocess.run(
        [sys.executable, "manage.py", "import_tickets", "--csv", str(path), *args],
        cwd=REPO_ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _row(**values):
    base = {
        "created_at": "2023-06-01T08:15:00+08:00",
        "title": "路灯不亮",
        "content": "中关村大街路灯连续多日不亮，夜间出行不安全",
        "category": "城乡建设 > 市政管理 > 路灯",  # GBK cannot write "›"
        "citizen_phone": "13800138000",
    }
    return {**base, **values}


def test_import_on_postgresql(stack, pg, tmp_path):
    rows = [
        _row(
            number="PGIMP-0001",
            address="海淀区中关村大街1号",
            unit="市城市管理委员会",
            resolved_at="2023-06-02T10:00:00+08:00",
            reply="已更换灯具，恢复照明",
        ),
        _row(number="PGIMP-0002", region="朝阳区>望京街道", title="路灯闪烁"),
        _row(created_at="2023-06-01T09:00:00+08:00", title="路灯白天亮"),  # numbered here
        _row(number="PGIMP-0003", status="invalid", invalid_reason="spam", content="推销"),
    ]
    path = _write(tmp_path / "history-gbk.csv", rows, encoding="gbk")
    before = pg.one("SELECT count(*) FROM workorders_ticket")[0]

    # A dry run writes nothing.
    dry = _import(stack, path, "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "GB18030" in dry.stdout and "将导入 4 张工单" in dry.stdout
    assert pg.one("SELECT count(*) FROM workorders_ticket")[0] == before

    done = _import(stack, path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已导入 4 张工单（1 张自动编号）" in done.stdout
    assert pg.status("PGIMP-0001") == "closed" and pg.status("PGIMP-0003") == "invalid"
    assert pg.event_kinds("PGIMP-0001") == ["imported", "resolved"]
    assert pg.assignments("PGIMP-0001") == [("市城市管理委员会", "lead")]
    data, public = pg.one(
        "SELECT e.data, e.public FROM workorders_ticketevent e JOIN workorders_ticket t"
        " ON t.id = e.ticket_id WHERE t.number = 'PGIMP-0001' AND e.kind = 'imported'"
    )
    assert data == {"file": "history-gbk.csv", "line": 2, "number_kept": True} and public
    region, registered, confirmed = pg.one(
        "SELECT r.name, t.registered_at AT TIME ZONE 'Asia/Shanghai', t.category_confirmed"
        " FROM workorders_ticket t JOIN workorders_region r ON r.id = t.region_id"
        " WHERE t.number = 'PGIMP-0001'"
    )
    assert region == "中关村街道" and confirmed
    assert registered.isoformat() == "2023-06-01T08:15:00"
    generated = pg.one(
        "SELECT number FROM workorders_ticket WHERE title = '路灯白天亮'"
        " AND registered_at = '2023-06-01T09:00:00+08:00'"
    )[0]
    assert generated.startswith("20230601-")
    assert pg.one("SELECT last FROM workorders_ticketnumbercounter WHERE day = '2023-06-01'")[
        0
    ] >= int(generated[-6:])

    # The sequence moved past the copied ids: live intake goes on.
    status, body = post_json(
        stack.web_url,
        "/api/tickets/",
        {"title": "路灯不亮", "content": "望京街道路灯不亮好几天了，请尽快修理", "address": ""},
    )
    assert status == 201, body

    # A re-run imports nothing again.
    again = _import(stack, path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "已存在、跳过的工单编号：3 个" in again.stdout
    assert "无编号、此前已导入而跳过的行：1 个" in again.stdout
    assert pg.one("SELECT count(*) FROM workorders_ticket")[0] == before + 5


def test_a_bad_row_imports_nothing_on_postgresql(stack, pg, tmp_path):
    rows = [_row(number="PGBAD-1"), _row(number="PGBAD-2", category="不存在的分类")]
    done = _import(stack, _write(tmp_path / "bad.csv", rows))
    assert done.returncode != 0
    assert "第 3 行（category）" in done.stdout
    assert pg.one("SELECT count(*) FROM workorders_ticket WHERE number LIKE 'PGBAD-%%'")[0] == 0


def test_one_import_at_a_time(stack, pg, tmp_path):
    path = _write(tmp_path / "locked.csv", [_row(number="PGLOCK-1")])
    pg.one("SELECT pg_advisory_lock(%s)", (123450014,))  # as a running import holds it
    try:
        done = _import(stack, path)
    finally:
        pg.one("SELECT pg_advisory_unlock(%s)", (123450014,))
    assert done.returncode != 0 and "另一次历史导入正在进行" in done.stdout
    assert pg.status("PGLOCK-1") is None
    assert _import(stack, path).returncode == 0
    assert pg.status("PGLOCK-1") == "closed"
