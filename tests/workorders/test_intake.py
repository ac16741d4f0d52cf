"""Registering a request: the ticket is stored whole or not at all."""

from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from hotline.lib.errors import InvalidInput, NotAllowed, NotFound
from workorders.models import Attachment, EventKind, Status, Ticket
from workorders.services import Upload, ticket_get_public, ticket_register, ticket_supplement


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, format="PNG")
    return buffer.getvalue()


def register(**overrides) -> Ticket:
    fields = {
        "channel": "web",
        "title": "路灯不亮",
        "content": "海淀区中关村大街 27 号门口的路灯连续三晚不亮，行人很不方便。",
        "citizen_name": "李明",
        "citizen_phone": "13812345678",
        "address": "海淀区中关村大街27号",
    }
    return ticket_register(**{**fields, **overrides})


@pytest.mark.django_db
def test_register_stores_ticket_event_and_photo():
    ticket = register(uploads=[Upload(name="路灯.png", data=png_bytes())])
    assert ticket.status == Status.REGISTERED
    today = timezone.localdate()
    assert ticket.number.startswith(f"{today:%Y%m%d}-")
    assert len(ticket.number) == 15
    assert len(ticket.query_code) == 6
    event = ticket.events.get()
    assert (event.kind, event.public, event.to_status) == (EventKind.REGISTERED, True, "registered")
    attachment = ticket.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "路灯.png"
    assert "路灯" not in attachment.file.name  # stored under an opaque name


@pytest.mark.django_db
def test_numbers_are_sequential_per_day():
    first, second = register(), register()
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


@pytest.mark.django_db
def test_title_defaults_to_first_words_of_content():
    ticket = register(title="", content="楼下餐馆油烟太大\n每天晚上都有")
    assert ticket.title == "楼下餐馆油烟太大"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"content": "  "}, "content"),
        ({"content": "太吵"}, "content"),
        ({"content": "很" * 5001}, "content"),
        ({"citizen_phone": "12345"}, "citizen_phone"),
        ({"title": "长" * 101}, "title"),
        ({"latitude": "abc", "longitude": "116.3"}, "latitude"),
        ({"latitude": "95", "longitude": "116.3"}, "latitude"),
        ({"latitude": "39.9"}, "latitude"),
        ({"channel": "fax"}, "channel"),
        ({"urgency": "whenever"}, "urgency"),
        ({"uploads": [Upload(name="x.jpg", data=b"not an image at all")]}, "attachments"),
        ({"uploads": [Upload(name="p.png", data=png_bytes())] * 7}, "attachments"),
    ],
)
def test_bad_input_is_refused_with_chinese_message_and_nothing_stored(overrides, field):
    with pytest.raises(InvalidInput) as caught:
        register(**overrides)
    assert field in caught.value.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.fields[field][0])
    assert Ticket.objects.count() == 0
    assert Attachment.objects.count() == 0


@pytest.mark.django_db
def test_oversized_image_is_refused(settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(InvalidInput):
        register(uploads=[Upload(name="big.png", data=png_bytes())])
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_landline_and_anonymous_are_accepted():
    assert register(citizen_phone="010-62345678").citizen_phone == "010-62345678"
    anonymous = register(citizen_name="", citizen_phone="")
    assert anonymous.is_anonymous


@pytest.mark.django_db
def test_tracking_needs_the_right_code():
    ticket = register()
    assert ticket_get_public(number=ticket.number, query_code=ticket.query_code.lower()) == ticket
    with pytest.raises(NotFound):
        ticket_get_public(number=ticket.number, query_code="XXXXXX")
    with pytest.raises(NotFound):
        ticket_get_public(number="20000101-000001", query_code=ticket.query_code)


@pytest.mark.django_db
def test_citizen_supplement_goes_on_public_timeline():
    ticket = register()
    ticket_supplement(
        number=ticket.number, query_code=ticket.query_code, text="补充：灯杆编号 A-17"
    )
    event = ticket.events.get(kind=EventKind.SUPPLEMENTED)
    assert event.public and "A-17" in event.reason


@pytest.mark.django_db(transaction=True)
def test_task_is_queued_only_after_commit(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "workorders.services.intake.celery_app.send_task",
        lambda name, args: sent.append((name, args, Ticket.objects.filter(pk=args[0]).exists())),
    )
    ticket = register()
    assert sent == [("dispatch.tasks.auto_dispatch", [ticket.pk], True)]


@pytest.mark.django_db(transaction=True)
def test_broker_failure_does_not_lose_the_ticket(monkeypatch):
    def broker_down(name, args):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("workorders.services.intake.celery_app.send_task", broker_down)
    ticket = register()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REGISTERED


@pytest.mark.parametrize(
    "overrides",
    [
        {"channel": "phone"},
        {"channel": "api"},
        {"request_type": "complaint"},
        {"urgency": "emergency"},
    ],
)
def test_only_hotline_staff_record_calls_or_choose_type_and_urgency(overrides, citizen, operator):
    # Anonymous and citizens alike: nothing is stored, the message says why.
    for actor in (None, citizen):
        with pytest.raises(NotAllowed) as refused:
            register(**overrides, actor=actor)
        assert "只有热线工作人员" in refused.value.message
    assert not Ticket.objects.exists()

    ticket = register(**overrides, actor=operator)
    assert ticket.status == Status.REGISTERED
