"""Citizens' photos at intake: bad images refused with the text kept, metadata stripped, and the
bytes one request and one client may store bounded. Through the API (JSON and multipart) and
the submission page."""

import base64
import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import ExifTags, Image
from rest_framework.test import APIClient

from tests.api import STREET_LIGHT, png_bytes
from workorders.models import Attachment, Ticket

FORM = {
    "content": "中关村大街路灯不亮已经一周了，晚上很危险",
    "address": "海淀区中关村大街1号",
    "citizen_name": "李四",
    "citizen_phone": "13912345678",
}


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height pixels."""
    real = png_bytes((1, 1))
    # The IHDR chunk follows the 8-byte signature: length, type, then width and height.
    ihdr = b"IHDR" + struct.pack(">II", width, height) + real[24:29]
    patched = real[:8] + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))
    return patched + real[33:]


def gps_jpeg(size=(40, 20), orientation: int = 6) -> bytes:
    """A landscape JPEG that a phone held upright took: rotate 90° to view (orientation 6),
    with the phone's GPS position and model in its EXIF."""
    image = Image.new("RGB", size, (10, 120, 200))
    image.paste((250, 250, 0), (0, 0, 10, 10))  # a yellow mark in the top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (39.0, 58.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (116.0, 18.0, 45.0),
    }
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif, comment=b"shot at home", quality=95)
    return buffer.getvalue()


def multipart(*files: tuple[str, bytes], **overrides):
    uploads = [SimpleUploadedFile(name, data, content_type="image/png") for name, data in files]
    return APIClient().post(
        "/api/tickets/", {**STREET_LIGHT, **overrides, "attachments": uploads}, format="multipart"
    )


def as_json(*files: tuple[str, bytes]):
    attachments = [
        {"name": name, "data_base64": base64.b64encode(data).decode()} for name, data in files
    ]
    return APIClient().post(
        "/api/tickets/", {**STREET_LIGHT, "attachments": attachments}, format="json"
    )


def stored_image(ticket_id: int) -> Image.Image:
    attachment = Attachment.objects.get(ticket_id=ticket_id)
    with attachment.file.open("rb") as stream:
        data = stream.read()
    assert attachment.size == len(data)
    image = Image.open(BytesIO(data))
    image.load()
    return image


# --- decompression bombs -------------------------------------------------------------------------


@pytest.mark.parametrize("send", [multipart, as_json], ids=["multipart", "json"])
def test_a_decompression_bomb_is_a_bad_image_in_the_api(db, send):
    response = send(("bomb.png", bomb_png()))

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "bomb.png" in body["fields"]["attachments"][0]
    assert Ticket.objects.count() == 0


def test_an_image_just_past_the_pixel_setting_is_refused(db):
    with override_settings(IMAGE_MAX_PIXELS=1000):
        response = multipart(("big.png", png_bytes((40, 30))))

    assert response.status_code == 400
    assert "big.png" in response.json()["fields"]["attachments"][0]


def test_pillow_limit_follows_the_setting():
    from django.conf import settings

    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


def test_a_decompression_bomb_on_the_form_keeps_the_citizens_text(client, db):
    bomb = SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")

    response = client.post("/submit/", {**FORM, "attachments": [bomb]})

    assert response.status_code == 400
    html = response.content.decode()
    assert "bomb.png" in html
    assert FORM["content"] in html and FORM["address"] in html
    assert Ticket.objects.count() == 0


def test_a_truncated_image_is_a_bad_image(db):
    response = multipart(("cut.jpg", gps_jpeg()[:300]))

    assert response.status_code == 400
    assert "cut.jpg" in response.json()["fields"]["attachments"][0]


# --- metadata ------------------------------------------------------------------------------------


def test_a_photo_is_stored_upright_without_its_exif(db):
    original = Image.open(BytesIO(gps_jpeg()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry a position

    response = multipart(("photo.jpg", gps_jpeg()))

    assert response.status_code == 201, response.content
    stored = stored_image(response.json()["id"])
    assert stored.format == "JPEG"
    assert "exif" not in stored.info and not stored.getexif()
    assert "comment" not in stored.info
    # Turned as the orientation said: 40×20 becomes 20×40, the top-left mark now top-right.
    assert stored.size == (20, 40)
    red, green, blue = stored.getpixel((17, 2))
    assert red > 200 and green > 200 and blue < 80


@pytest.mark.parametrize("kind", ["PNG", "WEBP"])
def test_png_and_webp_lose_their_metadata_too(db, kind):
    buffer = BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Phone 12"
    options = {"exif": exif}
    if kind == "PNG":
        from PIL.PngImagePlugin import PngInfo

        text = PngInfo()
        text.add_text("Comment", "at home, 39.97N 116.31E")
        options["pnginfo"] = text
    Image.new("RGB", (12, 12), (0, 200, 0)).save(buffer, format=kind, **options)

    response = multipart((f"photo.{kind.lower()}", buffer.getvalue()))

    assert response.status_code == 201, response.content
    stored = stored_image(response.json()["id"])
    assert stored.format == kind
    assert not stored.getexif()
    assert "Comment" not in stored.info


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment(db):
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "green", "blue")]
    buffer = BytesIO()
    frames[0].save(
        buffer, format="GIF", save_all=True, append_images=frames[1:], comment=b"at home"
    )

    response = multipart(("moving.gif", buffer.getvalue()))

    assert response.status_code == 201, response.content
    stored = stored_image(response.json()["id"])
    assert stored.n_frames == 3
    assert "comment" not in stored.info


# --- quotas --------------------------------------------------------------------------------------


def test_one_request_may_not_store_more_than_the_total(db):
    photo = ("photo.png", png_bytes((300, 300)))
    with override_settings(ATTACHMENT_MAX_TOTAL_BYTES=len(photo[1]) * 2 - 1):
        response = multipart(photo, photo)

    assert response.status_code == 413, response.content
    body = response.json()
    assert body["code"] == "too_large"
    assert "MB" in body["message"] or "KB" in body["message"]
    assert body["fields"]["attachments"]
    assert Ticket.objects.count() == 0


def test_the_form_says_the_request_is_too_large_and_keeps_the_text(client, db):
    data = png_bytes((300, 300))
    photos = [SimpleUploadedFile(f"p{n}.png", data, content_type="image/png") for n in (1, 2)]
    with override_settings(ATTACHMENT_MAX_TOTAL_BYTES=len(data) * 2 - 1):
        response = client.post("/submit/", {**FORM, "attachments": photos})

    assert response.status_code == 413
    html = response.content.decode()
    assert "照片总大小" in html
    assert FORM["content"] in html
    assert Ticket.objects.count() == 0


def test_one_client_may_store_only_so_many_bytes_an_hour(db):
    data = png_bytes((300, 300))
    stored = len(data)  # an RGB PNG re-encoded comes out the same
    with override_settings(UPLOAD_MAX_BYTES_PER_HOUR=stored * 2):
        first = multipart(("a.png", data))
        second = multipart(("b.png", data))
        third = multipart(("c.png", data))
        # Without photos, a request is never refused for the quota.
        text_only = APIClient().post("/api/tickets/", STREET_LIGHT, format="json")
        elsewhere = APIClient(REMOTE_ADDR="10.1.2.3").post(
            "/api/tickets/",
            {**STREET_LIGHT, "attachments": [SimpleUploadedFile("d.png", data)]},
            format="multipart",
        )

    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 429, third.content
    assert third.json()["code"] == "upload_quota"
    assert "小时" in third.json()["message"]
    assert text_only.status_code == 201
    assert elsewhere.status_code == 201
    assert Attachment.objects.count() == 3


def test_the_form_refuses_past_the_hourly_quota_and_keeps_the_text(client, db):
    data = png_bytes((300, 300))
    with override_settings(UPLOAD_MAX_BYTES_PER_HOUR=len(data)):
        photo = SimpleUploadedFile("a.png", data, content_type="image/png")
        assert client.post("/submit/", {**FORM, "attachments": [photo]}).status_code == 302
        photo = SimpleUploadedFile("b.png", data, content_type="image/png")
        response = client.post("/submit/", {**FORM, "attachments": [photo]})

    assert response.status_code == 429
    html = response.content.decode()
    assert "小时" in html and FORM["content"] in html
    assert Ticket.objects.count() == 1
