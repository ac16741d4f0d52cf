"""Importing history: the old system's tickets, from a CSV or Excel file, all or nothing.

Two passes. The first reads the file and checks every row (lookups cached in dicts: categories,
regions, units, the gazetteer's answer per address, which numbers already exist) and collects
every problem with its line; it writes nothing to the database, only the checked rows to a
temporary file. Only when no row has a problem does the second pass read them back and write,
in one transaction, batches of tickets with their timeline (an ``imported`` event at the
original registration time, then the resolution with its reply, or the close, or the refusal)
and their lead unit. On PostgreSQL the batches go through COPY (psycopg 3), with ticket ids
drawn from the table's sequence beforehand so that events and assignments can name them;
elsewhere through bulk_create. One import runs at a time (an advisory lock on PostgreSQL).
Nothing is queued, notified, lit or followed up: every imported ticket is final (closed, or
invalid with its reason), so no deadline runs and no sweep picks it up.

Why only final statuses: a ticket still open in the old system would need a unit that accepted
it here, running deadlines and a follow-up round, a history this platform did not see. Such
tickets are finished in the old system, or registered here anew.

Numbers. A row's ``number`` is kept (citizens quote their old numbers); re-running a file skips
the numbers already present and counts them, and the rows without a number that it stored before
(same registration time, phone, title and content). Rows without a number get one in the live scheme
(``YYYYMMDD-NNNNNN`` of the day they were registered), reserved from the same per-day counter as
live intake, so the two never clash; kept numbers in that scheme move the counter past them.
The reservation is a short transaction of its own before the import (as intake's): a failed
import leaves gaps in the numbering, never a clash, and keeps live intake of today waiting for
milliseconds, not for the length of the import.

Labels. Imported tickets carry ``category_confirmed`` (the old system's final category was a
person's decision), so the classifier's retraining (dispatch.learning) reads them like tickets a
dispatcher confirmed, and their lead unit, stored as an active lead assignment like a closed
ticket's, teaches what the units of each category × region were.
"""

import contextlib
import csv
import datetime as dt
import json
import logging
import marshal
import os
import re
import struct
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from analysis.rollup import rollup_days
from dispatch.classification import RegionMatcher
from dispatch.learning import category_paths
from workorders.models import (
    Assignment,
    Channel,
    EventKind,
    InvalidReason,
    Region,
    Status,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
    Unit,
    Urgency,
)
from workorders.services.intake import MOBILE_OR_LANDLINE, new_query_code

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("created_at", "title", "content", "category")
OPTIONAL_COLUMNS = (
    "number",
    "address",
    "region",
    "citizen_phone",
    "status",
    "unit",
    "resolved_at",
    "reply",
    "channel",
    "invalid_reason",
)
# Old systems' exports name their columns in Chinese: the field names of this platform's own
# ticket (its verbose names) and the usual alternatives are understood as well.
COLUMN_ALIASES = {
    "工单编号": "number",
    "编号": "number",
    "受理时间": "created_at",
    "来电时间": "created_at",
    "标题": "title",
    "诉求内容": "content",
    "内容": "content",
    "地址": "address",
    "诉求分类": "category",
    "分类": "category",
    "区域": "region",
    "联系电话": "citizen_phone",
    "电话": "citizen_phone",
    "状态": "status",
    "承办单位": "unit",
    "主办单位": "unit",
    "办结时间": "resolved_at",
    "答复内容": "reply",
    "答复": "reply",
    "渠道": "channel",
    "不予受理原因": "invalid_reason",
}
# UTF-8 (a BOM or not: utf-8-sig reads both), then GB18030, the superset of GBK and GB2312 that
# Chinese government systems and Excel on a Chinese Windows export.
ENCODINGS = ("utf-8-sig", "gb18030")
# The model's own limits, and intake's for the free texts.
MAX_LENGTH = {
    "number": Ticket._meta.get_field("number").max_length,
    "title": Ticket._meta.get_field("title").max_length,
    "content": 5000,
    "address": Ticket._meta.get_field("address").max_length,
    "reply": 5000,
}
LIVE_NUMBER = re.compile(r"^(\d{8})-(\d{6,})$")
# Printable and without spaces: a number is typed by citizens and shown in URLs.
NUMBER_CHARACTERS = re.compile(r"^[0-9A-Za-z._/-]+$")
IMPORT_STATUSES = (Status.CLOSED.value, Status.INVALID.value)
CLOSED, INVALID = Status.CLOSED.value, Status.INVALID.value
# Addresses repeat (a building calls again); past this many the cache stops growing.
ADDRESS_CACHE = 200_000
BATCH_SIZE = 5000
# pg_advisory_lock key of the import ("12345" and the number).
IMPORT_LOCK = 12345_0014
EXISTING_CHUNK = 5000
PROGRESS_EVERY = 50_000
# The report lists this many problems; the count covers them all.
REPORTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    line: int  # 0: the file as a whole
    column: str
    message: str


@dataclass
class ImportReport:
    source: str
    dry_run: bool = False
    encoding: str = ""
    rows: int = 0
    valid: int = 0
    skipped_existing: int = 0
    skipped_numbers: list[str] = field(default_factory=list)
    skipped_unnumbered: int = 0
    generated_numbers: int = 0
    regions_from_address: int = 0
    regions_unmatched: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    imported: int = 0
    events: int = 0
    validate_seconds: float = 0.0
    write_seconds: float = 0.0
    # Local days of the tickets written: the cockpit's daily rollup is recomputed for them.
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, line: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < REPORTED_PROBLEMS:
            self.problems.append(Problem(line, column, message))

    def text(self) -> str:
        """The report for the person who ran the import, in the site's language."""
        lines = [gettext("导入文件：%(source)s") % {"source": self.source}]
        if self.encoding:
            lines.append(gettext("文件编码：%(encoding)s") % {"encoding": self.encoding})
        lines.append(gettext("数据行：%(rows)s") % {"rows": self.rows})
        if self.ignored_columns:
            lines.append(
                gettext("未使用的列（已忽略）：%(columns)s")
                % {"columns": "、".join(self.ignored_columns)}
            )
        if not self.ok:
            lines.append(
                gettext("发现 %(count)s 个问题，未导入任何工单：") % {"count": self.problem_count}
            )
            for problem in self.problems:
                where = (
                    gettext("第 %(line)s 行") % {"line": problem.line}
                    if problem.line
                    else gettext("文件")
                )
                column = f"（{problem.column}）" if problem.column else ""
                lines.append(f"  {where}{column}：{problem.message}")
            if self.problem_count > len(self.problems):
                lines.append(
                    gettext("  …… 另有 %(more)s 个问题未列出")
                    % {"more": self.problem_count - len(self.problems)}
                )
            return "\n".join(lines)
        if self.skipped_existing:
            lines.append(
                gettext("已存在、跳过的工单编号：%(count)s 个（%(examples)s）")
                % {
                    "count": self.skipped_existing,
                    "examples": "、".join(self.skipped_numbers)
                    + ("……" if self.skipped_existing > len(self.skipped_numbers) else ""),
                }
            )
        if self.skipped_unnumbered:
            lines.append(
                gettext("无编号、此前已导入而跳过的行：%(count)s 个")
                % {"count": self.skipped_unnumbered}
            )
        if self.regions_from_address:
            lines.append(
                gettext("按地址识别区域：%(count)s 行") % {"count": self.regions_from_address}
            )
        if self.regions_unmatched:
            lines.append(
                gettext("未填区域且地址无法识别（区域留空）：%(count)s 行")
                % {"count": self.regions_unmatched}
            )
        if self.dry_run:
            lines.append(
                gettext(
                    "校验通过（试运行，未写入）：将导入 %(count)s 张工单，其中 %(generated)s 张自动编号"
                )
                % {
                    "count": self.valid - self.skipped_existing - self.skipped_unnumbered,
                    "generated": self.generated_numbers,
                }
            )
        else:
            lines.append(
                gettext("已导入 %(count)s 张工单（%(generated)s 张自动编号），用时 %(seconds)s 秒")
                % {
                    "count": self.imported,
                    "generated": self.generated_numbers,
                    "seconds": f"{self.validate_seconds + self.write_seconds:.1f}",
                }
            )
        return "\n".join(lines)


class _Unreadable(Exception):
    """The file cannot be read at all (not a row's fault)."""


class _Undecodable(Exception):
    """Not in the encoding tried: the caller tries the next one."""


@dataclass(frozen=True)
class CleanRow:
    line: int
    number: str
    created_at: dt.datetime
    title: str
    content: str
    address: str
    category_id: int | None
    region_id: int | None
    citizen_phone: str
    status: str
    unit_id: int | None
    resolved_at: dt.datetime | None
    reply: str
    channel: str
    invalid_reason: str


# --- reading -------------------------------------------------------------------------------------


def _cell(value) -> str | dt.datetime:
    """An Excel cell as the text a CSV would hold (dates stay dates)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids and phone numbers typed into number cells
    return str(value)


class _File:
    """The rows of a CSV or an XLSX file: (line, header) first, then (line, values)."""

    def __init__(self, path: str | Path, kind: str):
        self.path, self.kind = Path(path), kind

    def encodings(self) -> tuple[str, ...]:
        if self.kind == "xlsx":
            return ("xlsx",)
        # Excel's "Unicode text" and some Windows tools write UTF-16, always with its BOM.
        with contextlib.suppress(OSError), open(self.path, "rb") as handle:
            if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
                return ("utf-16",)
        return ENCODINGS

    def rows(self, encoding: str) -> Iterator[tuple[int, list]]:
        if self.kind == "xlsx":
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows(encoding)

    def _csv_rows(self, encoding: str) -> Iterator[tuple[int, list]]:
        csv.field_size_limit(10_000_000)  # over-long fields are a row's problem, reported below
        try:
            handle = open(self.path, newline="", encoding=encoding)  # noqa: SIM115
        except OSError as error:
            raise _Unreadable(
                gettext("无法打开文件：%(error)s") % {"error": error.strerror or error}
            ) from error
        with handle:
            reader = csv.reader(handle)
            end = 0
            try:
                for values in reader:
                    # The row's first physical line (a quoted field may span several).
                    start, end = end + 1, reader.line_num
                    yield start, values
            except UnicodeDecodeError as error:
                raise _Undecodable(str(error)) from error
            except csv.Error as error:
                raise _Unreadable(
                    gettext("第 %(line)s 行附近的 CSV 格式有误：%(error)s")
                    % {"line": reader.line_num, "error": error}
                ) from error

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise _Unreadable(
                gettext("无法读取 Excel 文件（需要 .xlsx 格式）：%(error)s") % {"error": error}
            ) from error
        try:
            sheet = workbook.worksheets[0]
            for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield line, [_cell(value) for value in values]
        finally:
            workbook.close()


# --- the lookups -----------------------------------------------------------------------------


def _region_full_names(regions: list[Region]) -> dict[int, str]:
    """Region id → full_name as the API shows it (the city level left out), without a query per
    region."""
    by_id = {region.pk: region for region in regions}
    names = {}
    for region in regions:
        chain, node = [], region
        while node is not None:
            if node.level > 0:
                chain.append(node.name)
            node = by_id.get(node.parent_id)
        names[region.pk] = " › ".join(reversed(chain))
    return names


def _with_unique_last_names(full_names: dict[int, str]) -> dict[str, int]:
    """Full name → id, plus the last part alone where no other entry ends with it: old exports
    often carry only the leaf ("路灯", "中关村街道"), unambiguous unless two branches share it."""
    by_name = {name: pk for pk, name in full_names.items()}
    last: dict[str, list[int]] = {}
    for pk, name in full_names.items():
        last.setdefault(name.rsplit(" › ", 1)[-1], []).append(pk)
    for name, pks in last.items():
        if len(pks) == 1:
            by_name.setdefault(name, pks[0])
        elif name not in by_name:
            by_name[name] = AMBIGUOUS
    return by_name


AMBIGUOUS = -1  # a last name several entries share: the full name is needed


class _Lookups:
    """Everything a row refers to, read once."""

    def __init__(self):
        paths = category_paths()
        self.category_ids = set(paths)
        self.category_by_name = _with_unique_last_names(paths)
        regions = list(Region.objects.all())
        self.region_ids = {region.pk for region in regions}
        self.region_by_name = _with_unique_last_names(
            {pk: name for pk, name in _region_full_names(regions).items() if name}
        )
        self.matcher = RegionMatcher(regions)
        self.address_regions: dict[str, int | None] = {}
        units = list(Unit.objects.values_list("pk", "name"))
        self.unit_ids = {pk for pk, _ in units}
        self.unit_by_name = {name: pk for pk, name in units}

    def region_of_address(self, address: str) -> int | None:
        if address in self.address_regions:
            return self.address_regions[address]
        region, _ = self.matcher.match(address)
        found = region.pk if region else None
        if len(self.address_regions) < ADDRESS_CACHE:
            self.address_regions[address] = found
        return found


# The API's separator is "›" (U+203A), which GBK cannot encode: a GBK export writes ">" or "＞".
PATH_SEPARATORS = re.compile(r"\s*[›>＞]\s*")


def _path_key(name: str) -> str:
    return " › ".join(PATH_SEPARATORS.split(name.strip()))


def _by_id_or_name(value: str, ids: set[int], by_name: dict[str, int]) -> int | None:
    """The id, or None when unknown, or AMBIGUOUS."""
    if value.isdigit() and int(value) in ids:
        return int(value)
    found = by_name.get(value)
    if found is None:
        found = by_name.get(_path_key(value))
    return found


def _choices(choices) -> dict[str, str]:
    """A choice's code by its code or its label (in the active language, and Chinese)."""
    found = {}
    for code, label in choices.choices:
        found[code] = code
        found[str(label)] = code
        with translation.override(settings.LANGUAGE_CODE):
            found[str(label)] = code
    return found


# --- checking one row ------------------------------------------------------------------------


class _RowChecker:
    def __init__(self, lookups: _Lookups, report: ImportReport, now: dt.datetime):
        self.lookups, self.report, self.now = lookups, report, now
        self.zone = timezone.get_current_timezone()
        self.statuses, self.channels = _choices(Status), _choices(Channel)
        self.invalid_reasons = _choices(InvalidReason)

    def moment(self, line: int, column: str, value, *, required: bool) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            # An Excel date cell has no offset: it is the city's local time.
            moment = value if timezone.is_aware(value) else timezone.make_aware(value, self.zone)
        else:
            value = value.strip()
            if not value:
                if required:
                    self.report.add(line, column, gettext("不能为空"))
                return None
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                self.report.add(
                    line,
                    column,
                    gettext(
                        "“%(value)s”不是有效的时间，请用 ISO 8601 格式并带时区，如 2024-05-01T09:30:00+08:00"
                    )
                    % {"value": value[:40]},
                )
                return None
            if timezone.is_naive(moment):
                self.report.add(
                    line,
                    column,
                    gettext("时间“%(value)s”缺少时区（如 +08:00）") % {"value": value[:40]},
                )
                return None
        if moment > self.now:
            self.report.add(
                line,
                column,
                gettext("时间 %(value)s 晚于当前时间") % {"value": moment.isoformat()},
            )
            return None
        return moment

    def text(self, line: int, column: str, value, *, required: bool = False) -> str | None:
        value = str(value).strip() if value else ""
        if required and not value:
            self.report.add(line, column, gettext("不能为空"))
            return None
        limit = MAX_LENGTH.get(column)
        if limit and len(value) > limit:
            self.report.add(
                line,
                column,
                gettext("长度 %(length)s 字，超过上限 %(limit)s 字")
                % {"length": len(value), "limit": limit},
            )
            return None
        return value

    def check(self, line: int, row: dict) -> CleanRow | None:
        """The row as it will be stored, or None after reporting its problems."""
        report, lookups = self.report, self.lookups
        before = report.problem_count
        number = self.text(line, "number", row.get("number"))
        if number and not NUMBER_CHARACTERS.match(number):
            report.add(line, "number", gettext("工单编号只能包含字母、数字和 - _ . /"))
        created_at = self.moment(line, "created_at", row.get("created_at", ""), required=True)
        title = self.text(line, "title", row.get("title"), required=True)
        content = self.text(line, "content", row.get("content"), required=True)
        address = self.text(line, "address", row.get("address"))
        reply = self.text(line, "reply", row.get("reply"))

        status = CLOSED
        raw_status = str(row.get("status") or "").strip()
        if raw_status:
            status = self.statuses.get(raw_status)
            if status not in IMPORT_STATUSES:
                report.add(
                    line,
                    "status",
                    gettext(
                        "状态“%(value)s”不能导入：历史工单只能是 closed（已归档）或 invalid（不予受理）"
                    )
                    % {"value": raw_status[:30]},
                )
        category_id = None
        category = str(row.get("category") or "").strip()
        if not category:
            # A refused request (spam, another channel's matter) often has none.
            if status != INVALID:
                report.add(line, "category", gettext("不能为空"))
        else:
            category_id = _by_id_or_name(category, lookups.category_ids, lookups.category_by_name)
            if category_id == AMBIGUOUS:
                report.add(
                    line,
                    "category",
                    gettext("有多个名为“%(value)s”的诉求分类，请填写完整名称或编号")
                    % {"value": category[:60]},
                )
            elif category_id is None:
                report.add(
                    line,
                    "category",
                    gettext(
                        "未知的诉求分类“%(value)s”（填分类编号或完整名称，如“城乡建设 › 供水”）"
                    )
                    % {"value": category[:60]},
                )

        region_id = None
        region = str(row.get("region") or "").strip()
        if region:
            region_id = _by_id_or_name(region, lookups.region_ids, lookups.region_by_name)
            if region_id == AMBIGUOUS:
                report.add(
                    line,
                    "region",
                    gettext("有多个名为“%(value)s”的区域，请填写完整名称或编号")
                    % {"value": region[:60]},
                )
            elif region_id is None:
                report.add(
                    line,
                    "region",
                    gettext(
                        "未知的区域“%(value)s”（填区域编号或完整名称，如“海淀区 › 中关村街道”）"
                    )
                    % {"value": region[:60]},
                )

        unit_id = None
        unit = str(row.get("unit") or "").strip()
        if unit:
            unit_id = _by_id_or_name(unit, lookups.unit_ids, lookups.unit_by_name)
            if unit_id is None:
                report.add(
                    line,
                    "unit",
                    gettext("未知的承办单位“%(value)s”（填单位编号或名称）") % {"value": unit[:60]},
                )

        phone = str(row.get("citizen_phone") or "").strip().replace(" ", "")
        if phone.startswith("+86"):
            phone = phone[3:]
        if phone and not MOBILE_OR_LANDLINE.match(phone):
            report.add(
                line,
                "citizen_phone",
                gettext("“%(value)s”不是有效的手机号或座机号") % {"value": phone[:30]},
            )

        reason = str(row.get("invalid_reason") or "").strip()
        invalid_reason = ""
        if status == INVALID:
            invalid_reason = self.invalid_reasons.get(reason) if reason else None
            if not invalid_reason:
                report.add(
                    line,
                    "invalid_reason",
                    gettext("不予受理的工单须填写有效的不予受理原因（如 spam、outside_duties）"),
                )
            if unit_id is not None:
                report.add(line, "unit", gettext("不予受理的工单没有承办单位"))
        elif reason:
            report.add(line, "invalid_reason", gettext("只有不予受理的工单才填写不予受理原因"))

        channel = Channel.PHONE.value
        raw_channel = str(row.get("channel") or "").strip()
        if raw_channel:
            channel = self.channels.get(raw_channel)
            if channel is None:
                report.add(
                    line, "channel", gettext("未知的渠道“%(value)s”") % {"value": raw_channel[:30]}
                )

        resolved_at = self.moment(line, "resolved_at", row.get("resolved_at", ""), required=False)
        if resolved_at and created_at and resolved_at < created_at:
            report.add(line, "resolved_at", gettext("办结时间早于受理时间"))

        if report.problem_count > before:
            return None
        if region_id is None and address:
            region_id = lookups.region_of_address(address)
            if region_id is None:
                report.regions_unmatched += 1
            else:
                report.regions_from_address += 1
        elif region_id is None:
            report.regions_unmatched += 1
        return CleanRow(
            line=line,
            number=number,
            created_at=created_at,
            title=title,
            content=content,
            address=address,
            category_id=category_id,
            region_id=region_id,
            citizen_phone=phone,
            status=status,
            unit_id=unit_id,
            resolved_at=resolved_at,
            reply=reply,
            channel=channel,
            invalid_reason=invalid_reason,
        )


# --- the two passes --------------------------------------------------------------------------


Progress = Callable[[str, int, float], None]


class _Ticker:
    """Calls ``progress(stage, rows, rows per second)`` every ``every`` rows."""

    def __init__(self, stage: str, progress: Progress | None, every: int):
        self.stage, self.progress, self.every = stage, progress, max(1, every)
        self.started = time.monotonic()
        self.count = 0

    def tick(self) -> None:
        self.count += 1
        if self.progress and self.count % self.every == 0:
            self.done()

    def done(self) -> None:
        if self.progress:
            seconds = max(time.monotonic() - self.started, 1e-6)
            self.progress(self.stage, self.count, self.count / seconds)


class TicketImport:
    """One import of one file; ``run()`` returns the report."""

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str = "csv",
        dry_run: bool = False,
        batch_size: int = BATCH_SIZE,
        progress: Progress | None = None,
        progress_every: int = PROGRESS_EVERY,
    ):
        if kind not in ("csv", "xlsx"):
            raise ValueError(kind)
        self.file = _File(path, kind)
        self.source = os.path.basename(str(path))
        self.dry_run, self.batch_size = dry_run, batch_size
        self.progress, self.progress_every = progress, progress_every
        self.spool: _Spool | None = None

    def run(self) -> ImportReport:
        # One import at a time: two runs of overlapping files would both find a row absent and
        # both store it. A session lock on PostgreSQL, for the check and the write alike.
        if connection.vendor != "postgresql" or self.dry_run:
            return self._run()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [IMPORT_LOCK])
            (locked,) = cursor.fetchone()
        if not locked:
            report = ImportReport(source=self.source)
            report.add(0, "", gettext("另一次历史导入正在进行，请等它结束后再导入"))
            return report
        try:
            return self._run()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [IMPORT_LOCK])

    def _run(self) -> ImportReport:
        started = time.monotonic()
        report = None
        for encoding in self.file.encodings():
            report = ImportReport(source=self.source, dry_run=self.dry_run)
            try:
                self._validate(report, encoding)
                break
            except _Undecodable:
                continue
            except _Unreadable as error:
                report.add(0, "", str(error))
                return report
        else:
            report = ImportReport(source=self.source, dry_run=self.dry_run)
            report.add(
                0,
                "",
                gettext(
                    "无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK，请另存为 UTF-8 编码的 CSV"
                ),
            )
            return report
        report.validate_seconds = time.monotonic() - started
        if not report.ok or self.dry_run:
            if self.spool is not None:
                self.spool.close()
            return report
        started = time.monotonic()
        # On _Problems the transaction was rolled back; the report says why.
        with contextlib.suppress(_Problems):
            self._write(report)
        report.write_seconds = time.monotonic() - started
        return report

    # The first pass: check every row, write nothing.

    def _rows(self, report: ImportReport, encoding: str) -> Iterator[tuple[int, dict]]:
        rows = self.file.rows(encoding)
        header_line, header = next(rows, (1, None))
        if not header or not any(str(cell).strip() for cell in header):
            raise _Unreadable(gettext("文件为空或没有表头行"))
        names = [str(cell).strip().lstrip("\ufeff").lower() for cell in header]
        names = [COLUMN_ALIASES.get(name, name) for name in names]
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        missing = [column for column in REQUIRED_COLUMNS if column not in names]
        if missing:
            raise _Unreadable(
                gettext("缺少必需的列：%(missing)s（表头须包含 %(required)s）")
                % {"missing": ", ".join(missing), "required": ", ".join(REQUIRED_COLUMNS)}
            )
        doubled = sorted({name for name in names if name and names.count(name) > 1})
        if doubled:
            raise _Unreadable(
                gettext("表头中重复的列：%(columns)s") % {"columns": ", ".join(doubled)}
            )
        report.ignored_columns = [name for name in names if name and name not in known]
        width = len(names)
        for line, values in rows:
            if not any(isinstance(v, dt.datetime) or str(v).strip() for v in values):
                continue  # blank lines, and the empty rows Excel leaves at the end
            if len(values) > width and any(str(v).strip() for v in values[width:]):
                report.rows += 1
                report.add(
                    line,
                    "",
                    gettext("此行有 %(count)s 个字段，多于表头的 %(width)s 列")
                    % {"count": len(values), "width": width},
                )
                continue
            report.rows += 1
            yield line, dict(zip(names, values, strict=False))

    def _validate(self, report: ImportReport, encoding: str) -> None:
        self.encoding = encoding
        report.encoding = {"utf-8-sig": "UTF-8", "gb18030": "GB18030", "utf-16": "UTF-16"}.get(
            encoding, ""
        )
        lookups = _Lookups()
        checker = _RowChecker(lookups, report, timezone.now())
        if self.spool is not None:
            self.spool.close()  # an earlier encoding's
        self.spool = None if self.dry_run else _Spool()
        ticker = _Ticker("check", self.progress, self.progress_every)
        first_line: dict[str, int] = {}
        pending: list[str] = []
        self.existing: set[str] = set()
        first_print: dict[int, int] = {}
        pending_prints: list[tuple[dt.datetime, int, dt.date]] = []
        self.existing_prints: set[int] = set()
        # Per day (date): the highest kept live-scheme sequence, and numbers to generate.
        self.kept_max: dict[dt.date, int] = {}
        self.needed: dict[dt.date, int] = {}
        zone = timezone.get_current_timezone()
        for line, raw in self._rows(report, encoding):
            ticker.tick()
            row = checker.check(line, raw)
            if row is None:
                continue
            if row.number:
                if row.number in first_line:
                    report.add(
                        line,
                        "number",
                        gettext("工单编号 %(number)s 与第 %(first)s 行重复")
                        % {"number": row.number, "first": first_line[row.number]},
                    )
                    continue
                first_line[row.number] = line
                pending.append(row.number)
                if len(pending) >= EXISTING_CHUNK:
                    self._note_existing(pending)
                    pending = []
                kept = LIVE_NUMBER.match(row.number)
                if kept:
                    try:
                        day = dt.datetime.strptime(kept.group(1), "%Y%m%d").date()
                    except ValueError:
                        day = None
                    if day is not None:
                        self.kept_max[day] = max(self.kept_max.get(day, 0), int(kept.group(2)))
            else:
                # No number to key on: the row itself is the key (a re-run finds it again).
                key = _fingerprint(row.created_at, row.citizen_phone, row.title, row.content)
                if key in first_print:
                    report.add(
                        line,
                        "",
                        gettext("与第 %(first)s 行完全相同（受理时间、电话、标题、内容）")
                        % {"first": first_print[key]},
                    )
                    continue
                first_print[key] = line
                day = row.created_at.astimezone(zone).date()
                self.needed[day] = self.needed.get(day, 0) + 1
                report.generated_numbers += 1
                pending_prints.append((row.created_at, key, day))
                if len(pending_prints) >= EXISTING_CHUNK:
                    self._note_existing_prints(pending_prints, report)
                    pending_prints = []
            report.valid += 1
            if self.spool is not None and report.ok:
                self.spool.add(row)
        self._note_existing(pending)
        self._note_existing_prints(pending_prints, report)
        ticker.done()
        report.skipped_existing = len(self.existing)
        report.skipped_numbers = sorted(self.existing)[:10]
        report.skipped_unnumbered = len(self.existing_prints)
        if report.rows == 0 and report.ok:
            report.add(0, "", gettext("文件中没有数据行"))

    def _note_existing(self, numbers: list[str]) -> None:
        if numbers:
            found = Ticket.objects.filter(number__in=numbers).values_list("number", flat=True)
            self.existing.update(found)

    def _note_existing_prints(self, pending: list, report: ImportReport) -> None:
        """Rows without a number that an earlier run imported: same time, phone, title and
        content. Looked up by registration time (indexed), compared in Python."""
        if not pending:
            return
        found = Ticket.objects.filter(registered_at__in={at for at, _, _ in pending})
        stored = {
            _fingerprint(*values)
            for values in found.values_list("registered_at", "citizen_phone", "title", "content")
        }
        for _, key, day in pending:
            if key in stored and key not in self.existing_prints:
                self.existing_prints.add(key)
                self.needed[day] -= 1
                report.generated_numbers -= 1

    # The second pass: write everything or nothing.

    def _reserve_numbers(self) -> dict[dt.date, int]:
        """Day → the first generated sequence number of that day; moves each day's counter past
        the numbers this file keeps and the ones it generates (see the module's docstring)."""
        days = sorted(set(self.kept_max) | set(self.needed))
        table = TicketNumberCounter._meta.db_table
        greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
        first: dict[dt.date, int] = {}
        with transaction.atomic(), connection.cursor() as cursor:
            for day in days:
                kept, needed = self.kept_max.get(day, 0), self.needed.get(day, 0)
                cursor.execute(
                    f"INSERT INTO {table} (day, last) VALUES (%s, %s) "  # noqa: S608 - constant
                    f"ON CONFLICT (day) DO UPDATE SET last = {greatest}({table}.last, %s) + %s "
                    "RETURNING last",
                    [day, kept + needed, kept, needed],
                )
                (last,) = cursor.fetchone()
                first[day] = last - needed + 1
        return first

    def _write(self, report: ImportReport) -> None:
        next_sequence = self._reserve_numbers()
        zone = timezone.get_current_timezone()
        writer = _CopyWriter() if connection.vendor == "postgresql" else _BulkWriter()
        ticker = _Ticker("write", self.progress, self.progress_every)
        batch: list[tuple[CleanRow, str]] = []
        try:
            with transaction.atomic():
                for row in self.spool.rows():
                    if row.number in self.existing:
                        continue
                    if not row.number and self.existing_prints:
                        key = _fingerprint(
                            row.created_at, row.citizen_phone, row.title, row.content
                        )
                        if key in self.existing_prints:
                            continue
                    number = row.number
                    if not number:
                        day = row.created_at.astimezone(zone).date()
                        number = f"{day:%Y%m%d}-{next_sequence[day]:06d}"
                        next_sequence[day] += 1
                    batch.append((row, number))
                    local_day = row.created_at.astimezone(zone).date()
                    report.first_day = min(report.first_day or local_day, local_day)
                    report.last_day = max(report.last_day or local_day, local_day)
                    ticker.tick()
                    if len(batch) >= self.batch_size:
                        writer.write(batch, source=self.source)
                        batch = []
                if batch:
                    writer.write(batch, source=self.source)
        except IntegrityError as error:
            # Another import (or intake) stored one of these numbers after the check.
            logger.warning("import of %s rolled back: %s", self.source, error)
            report.add(
                0,
                "",
                gettext("写入时工单编号冲突（可能有另一次导入同时进行），已全部回滚，请重新导入"),
            )
            raise _Problems() from error
        finally:
            self.spool.close()
        ticker.done()
        report.imported, report.events = writer.tickets, writer.events


class _Spool:
    """The checked rows, in a temporary file between the two passes: the write pass neither
    reads nor checks the source again (half the time of a row), and memory stays flat."""

    FIELDS_AT = (2, 11)  # created_at, resolved_at: ISO strings in the file

    def __init__(self, batch: int = 2000):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.batch, self.pending = batch, []

    def add(self, row: CleanRow) -> None:
        self.pending.append(
            (
                row.line,
                row.number,
                row.created_at.isoformat(),
                row.title,
                row.content,
                row.address,
                row.category_id,
                row.region_id,
                row.citizen_phone,
                row.status,
                row.unit_id,
                row.resolved_at.isoformat() if row.resolved_at else None,
                row.reply,
                row.channel,
                row.invalid_reason,
            )
        )
        if len(self.pending) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            data = marshal.dumps(self.pending)
            self.file.write(struct.pack("<Q", len(data)) + data)
            self.pending = []

    def rows(self) -> Iterator[CleanRow]:
        self._flush()
        self.file.seek(0)
        parse = dt.datetime.fromisoformat
        while header := self.file.read(8):
            (size,) = struct.unpack("<Q", header)
            for values in marshal.loads(self.file.read(size)):  # noqa: S302 - our own file
                values = list(values)
                values[2] = parse(values[2])
                values[11] = parse(values[11]) if values[11] else None
                yield CleanRow(*values)

    def close(self) -> None:
        self.file.close()


class _Problems(Exception):
    """The write pass found a problem; the transaction is rolled back."""


def _fingerprint(created_at: dt.datetime, phone: str, title: str, content: str) -> int:
    # Python's hash: both passes and the look-ups run in one process, so it is stable here.
    return hash((created_at.timestamp(), phone, title, content))


def import_tickets(path: str | Path, **options) -> ImportReport:
    """Check and (unless ``dry_run``) import the file; see TicketImport. Afterwards the
    cockpit's daily rollup is recomputed for the imported days: days it had already counted
    would otherwise keep their old figures (its nightly refresh covers only the last week)."""
    report = TicketImport(path, **options).run()
    if report.ok and report.imported and report.first_day is not None:
        rollup_days(report.first_day, report.last_day)
    return report


# --- writing ---------------------------------------------------------------------------------


def _column_defaults(model) -> dict[str, object]:
    """attname → the value a column gets when the import does not set it: the field's default,
    NULL or an empty string, so that a field added later with a default needs no change here."""
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        if model_field.has_default():
            values[model_field.attname] = model_field.get_default()
        elif model_field.null:
            values[model_field.attname] = None
        elif model_field.blank:
            values[model_field.attname] = ""
        else:
            values[model_field.attname] = _REQUIRED
    return values


_REQUIRED = object()


def _ticket_values(row: CleanRow, number: str) -> dict:
    final_at = row.resolved_at or row.created_at
    return {
        "number": number,
        "query_code": new_query_code(),
        "channel": row.channel,
        "urgency": Urgency.NORMAL.value,
        "citizen_phone": row.citizen_phone,
        "title": row.title,
        "content": row.content,
        "address": row.address,
        "region_id": row.region_id,
        "category_id": row.category_id,
        "status": row.status,
        "registered_at": row.created_at,
        "status_changed_at": final_at,
        # The old system's final category was a person's decision: a training label. Not for
        # refused requests, whose category nobody acted on (dispatch.learning skips them too).
        "category_confirmed": row.status == CLOSED and row.category_id is not None,
        "reply": row.reply,
        "resolved_at": row.resolved_at if row.status == CLOSED else None,
        "closed_at": final_at if row.status == CLOSED else None,
        "invalid_reason": row.invalid_reason,
    }


def _event_values(row: CleanRow, *, source: str, number_kept: bool) -> list[dict]:
    """The timeline: imported at the registration time, then how it ended."""
    final_at = row.resolved_at or row.created_at
    events = [
        {
            "kind": EventKind.IMPORTED.value,
            "data": {"file": source, "line": row.line, "number_kept": number_kept},
            "public": True,
            "created_at": row.created_at,
        }
    ]
    if row.status == INVALID:
        events.append(
            {
                "kind": EventKind.INVALIDATED.value,
                "to_status": INVALID,
                "reason": str(InvalidReason(row.invalid_reason).label),
                "data": {"invalid_reason": row.invalid_reason},
                "public": True,
                "created_at": final_at,
            }
        )
        return events
    # The resolution with its reply and unit; without one, the close. Two rows, not three: the
    # ticket says it is closed, and a million tickets' third event costs a minute of COPY.
    if row.reply or row.resolved_at:
        events.append(
            {
                "kind": EventKind.RESOLVED.value,
                "unit_id": row.unit_id,
                "reason": row.reply,
                "public": True,
                "created_at": final_at,
            }
        )
        return events
    events.append(
        {
            "kind": EventKind.CLOSED.value,
            "to_status": Status.CLOSED.value,
            "public": True,
            "created_at": final_at,
        }
    )
    return events


class _Writer:
    def __init__(self):
        self.ticket_defaults = _column_defaults(Ticket)
        self.event_defaults = _column_defaults(TicketEvent)
        self.assignment_defaults = _column_defaults(Assignment)
        self.tickets = self.events = 0
        self.checked = False

    def rows(self, batch: list[tuple[CleanRow, str]], *, source: str):
        """(ticket values, [event values], assignment values or None) per row."""
        for row, number in batch:
            ticket = {**self.ticket_defaults, **_ticket_values(row, number)}
            events = [
                {**self.event_defaults, **event}
                for event in _event_values(row, source=source, number_kept=bool(row.number))
            ]
            assignment = None
            if row.unit_id is not None:
                assignment = {
                    **self.assignment_defaults,
                    "unit_id": row.unit_id,
                    "role": Assignment.Role.LEAD.value,
                    "active": True,
                    "dispatched_at": row.created_at,
                }
            if not self.checked:
                # A required column added to the models later must be given here: say so
                # plainly instead of sending a placeholder to the database.
                for values in (ticket, *events, assignment or {}):
                    missing = [
                        name
                        for name, value in values.items()
                        if value is _REQUIRED and name != "ticket_id"  # set by the writer
                    ]
                    if missing:
                        raise RuntimeError(f"import: no value for {', '.join(missing)}")
                self.checked = True
            yield ticket, events, assignment


class _BulkWriter(_Writer):
    """Any database: bulk_create, which sets the ticket ids (RETURNING)."""

    def write(self, batch, *, source: str) -> None:
        tickets, events, assignments = [], [], []
        for ticket_values, event_values, assignment_values in self.rows(batch, source=source):
            ticket = Ticket(**ticket_values)
            tickets.append((ticket, event_values, assignment_values))
        Ticket.objects.bulk_create([ticket for ticket, _, _ in tickets])
        for ticket, event_values, assignment_values in tickets:
            events += [TicketEvent(**{**values, "ticket_id": ticket.pk}) for values in event_values]
            if assignment_values:
                assignments.append(Assignment(**{**assignment_values, "ticket_id": ticket.pk}))
        TicketEvent.objects.bulk_create(events)
        Assignment.objects.bulk_create(assignments)
        self.tickets += len(tickets)
        self.events += len(events)


class _CopyWriter(_Writer):
    """PostgreSQL: COPY, ten times the rows per second of INSERT. Ticket ids come from the
    table's own sequence first, so the events and assignments of a batch can name them."""

    def __init__(self):
        super().__init__()
        connection.ensure_connection()
        self.json_fields = {
            model: {
                f.attname
                for f in model._meta.concrete_fields
                if f.get_internal_type() == "JSONField"
            }
            for model in (Ticket, TicketEvent, Assignment)
        }

    def _copy(self, cursor, model, rows: list[dict], *, with_id: bool) -> None:
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        names = [f.attname for f in fields]
        json_names = self.json_fields[model]
        table = connection.ops.quote_name(model._meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
            for values in rows:
                copy.write_row(
                    [
                        (json.dumps(values[name], ensure_ascii=False) if values[name] else "{}")
                        if name in json_names
                        else values[name]
                        for name in names
                    ]
                )

    def write(self, batch, *, source: str) -> None:
        prepared = list(self.rows(batch, source=source))
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg's own cursor, in Django's transaction
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [Ticket._meta.db_table, len(prepared)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
            tickets, events, assignments = [], [], []
            for pk, (ticket, event_values, assignment) in zip(ids, prepared, strict=True):
                tickets.append({"id": pk, **ticket})
                events += [{**event, "ticket_id": pk} for event in event_values]
                if assignment:
                    assignments.append({**assignment, "ticket_id": pk})
            self._copy(cursor, Ticket, tickets, with_id=True)
            self._copy(cursor, TicketEvent, events, with_id=False)
            self._copy(cursor, Assignment, assignments, with_id=False)
        self.tickets += len(tickets)
        self.events += len(events)
