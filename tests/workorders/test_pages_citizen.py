"""The citizen's pages: submit with photos, the confirmation, tracking and adding information."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.pages import PHONE, dispatched, photo, registered, resolved
from workorders import services
from workorders.models import Attachment, EventKind, Status, Ticket

VALID = {
    "content": "中关村大街路灯不亮已经一周了，晚上很危险",
    "address": "海淀区中关村大街1号",
    "citizen_name": "李四",
    "citizen_phone": PHONE,
}


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


def track(client, ticket: Ticket, code: str | None = None):
    return client.post(
        "/track/",
        {"number": ticket.number, "query_code": code or ticket.query_code},
        follow=True,
    )


# --- submit -------------------------------------------------------------------------------------


def test_submit_form_shows_every_field(client, db):
    html = client.get("/submit/").content.decode()

    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html and 'accept="image/*"' in html and "multiple" in html
    for name in ("content", "title", "citizen_name", "citizen_phone", "address", "confidential"):
        assert f'name="{name}"' in html
    assert 'type="hidden" name="latitude"' in html
    assert "承办单位看不到您的姓名和电话" in html


def test_valid_submission_creates_one_ticket_and_shows_number_and_code(client, db):
    data = {**VALID, "attachments": [photo("a.png"), photo("b.png")]}

    response = client.post("/submit/", data)

    assert response.status_code == 302
    assert response["Location"] == "/submit/done/"
    ticket = Ticket.objects.get()
    assert ticket.channel == "web"
    assert ticket.attachments.count() == 2
    done = client.get("/submit/done/").content.decode()
    assert ticket.number in done
    assert ticket.query_code in done
    assert ticket.query_code not in response["Location"]


def test_signed_in_citizen_finds_the_ticket_under_my_requests(client, db, citizen):
    client.force_login(citizen)

    client.post("/submit/", VALID)

    ticket = Ticket.objects.get()
    assert ticket.citizen_user == citizen
    html = client.get("/my/").content.decode()
    assert ticket.number in html
    opened = client.get(f"/my/tickets/{ticket.pk}/", follow=True)
    assert ticket.title in opened.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"content": ""}, "请填写诉求内容"),
        ({"citizen_phone": "12345"}, "请输入正确的手机号或座机号"),
        (
            {"attachments": [SimpleUploadedFile("photo.jpg", b"just text", "image/jpeg")]},
            "不是有效的图片文件",
        ),
        (
            {"attachments": [photo(f"{i}.png") for i in range(settings.ATTACHMENT_MAX_COUNT + 1)]},
            f"最多上传 {settings.ATTACHMENT_MAX_COUNT} 张图片",
        ),
        ({"latitude": "abc", "longitude": "116.3"}, "坐标格式不正确"),
    ],
)
def test_invalid_submission_shows_the_message_and_creates_nothing(client, db, change, message):
    files_before = stored_files()

    response = client.post("/submit/", {**VALID, **change})

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "提交的内容有误" in html
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == files_before


def test_invalid_submission_keeps_what_was_typed(client, db):
    response = client.post("/submit/", {**VALID, "citizen_phone": "12345"})

    html = response.content.decode()
    assert VALID["content"] in html
    assert 'value="海淀区中关村大街1号"' in html


def test_confirmation_without_a_submission_goes_back_to_the_form(client, db):
    assert client.get("/submit/done/")["Location"] == "/submit/"


# --- tracking -----------------------------------------------------------------------------------


def test_tracking_with_a_wrong_code_shows_an_error(client, db):
    ticket = registered()

    response = client.post("/track/", {"number": ticket.number, "query_code": "WRONG1"})

    assert response.status_code == 404
    assert "工单编号或查询码不正确" in response.content.decode()
    assert "tracking" not in client.session


def test_tracking_shows_status_and_public_timeline(client, city, dispatcher):
    ticket = dispatched(city, dispatcher)

    response = track(client, ticket, ticket.query_code.lower())

    html = response.content.decode()
    assert response.redirect_chain == [("/track/", 302)]
    assert "已派单" in html
    assert "受理" in html
    assert "城乡建设 › 市政管理 › 路灯" in html
    assert "赵派单" not in html  # staff names stay internal


def test_tracking_shows_the_reply_once_resolved(client, city, dispatcher, unit_staff):
    ticket = resolved(city, dispatcher, unit_staff)

    html = track(client, ticket).content.decode()

    assert "已更换路灯灯泡" in html
    assert "办理答复" in html


def test_merged_ticket_shows_the_masters_status_and_reply(client, city, dispatcher, unit_staff):
    master = resolved(city, dispatcher, unit_staff)
    duplicate = registered(content="中关村大街的路灯还是不亮")
    services.ticket_merge(ticket_id=duplicate.pk, master_number=master.number, actor=dispatcher)

    html = track(client, duplicate).content.decode()

    assert "已合并" in html
    assert master.number in html
    assert "已更换路灯灯泡" in html


def test_citizen_adds_information_while_tracking(client, db):
    ticket = registered()
    track(client, ticket)

    response = client.post("/track/supplement/", {"text": "路灯在公交站旁边"}, follow=True)

    assert "补充信息已提交" in response.content.decode()
    assert "路灯在公交站旁边" in response.content.decode()
    event = ticket.events.get(kind=EventKind.SUPPLEMENTED)
    assert event.public


def test_too_short_information_is_refused(client, db):
    ticket = registered()
    track(client, ticket)

    response = client.post("/track/supplement/", {"text": "a"})

    assert response.status_code == 400
    assert "补充内容需为 2 到 2000 字" in response.content.decode()
    assert not ticket.events.filter(kind=EventKind.SUPPLEMENTED).exists()


def test_supplement_without_tracking_goes_to_the_tracking_form(client, db):
    assert client.post("/track/supplement/", {"text": "hello"})["Location"] == "/track/"


def test_forgetting_the_tracked_ticket(client, db):
    ticket = registered()
    track(client, ticket)

    html = client.post("/track/forget/", follow=True).content.decode()

    assert ticket.title not in html


# --- attachments --------------------------------------------------------------------------------


def test_photos_are_served_only_through_access_checks(
    client, city, dispatcher, unit_staff, other_unit_staff
):
    ticket = dispatched(city, dispatcher, uploads=[services.Upload("x.png", photo().read())])
    item = ticket.attachments.get()
    url = f"/tickets/{ticket.pk}/attachments/{item.token}/"

    assert client.get(url).status_code == 404  # anonymous, not tracking it
    track(client, ticket)
    tracked = client.get(url)
    assert tracked.status_code == 200
    assert tracked["Content-Type"] == "image/png"
    assert b"".join(tracked.streaming_content).startswith(b"\x89PNG")

    client.force_login(unit_staff)
    assert client.get(url).status_code == 200
    detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert url in detail
    assert settings.MEDIA_URL not in detail
    client.force_login(other_unit_staff)
    assert client.get(url).status_code == 404


def test_status_badge_for_every_status_has_a_colour():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "hotline.css").read_text()

    for status in Status.values:
        assert f".status-{status} " in css


def test_a_missing_attachment_file_is_a_404_not_a_crash(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher, uploads=[services.Upload("x.png", photo().read())])
    item = ticket.attachments.get()
    item.file.storage.delete(item.file.name)
    client.force_login(unit_staff)

    response = client.get(f"/tickets/{ticket.pk}/attachments/{item.token}/")

    assert response.status_code == 404
    assert "附件文件已丢失" in response.content.decode()
