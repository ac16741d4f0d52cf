"""Citizens' photos: checked, then re-encoded without their metadata before they are stored.

Phones write the place a photo was taken (GPS), the device and the time into its EXIF, and unit
staff download the photos of confidential tickets: nothing but the pixels is kept. The photo is
turned upright first (the EXIF orientation), since that tag goes with the rest.

Every decode happens here, bounded by ``IMAGE_MAX_PIXELS`` before any pixel is decoded: a file of
a few bytes may claim 30000×30000 pixels (a "decompression bomb"), and decoding it would take
gigabytes. Pillow's own limit (``Image.MAX_IMAGE_PIXELS``) is set to the same value when the app
starts (``WorkordersConfig.ready``), its warning made an error, as a second guard for any other
decode; both become the bad-image answer here.
"""

import secrets
import struct
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from workorders.models import Attachment

# Pillow format name → (content type, file extension) of the images we accept.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
# Kept from the original: how the pixels are drawn, nothing about who took them or where.
# The colour profile stays so that photos of wide-gamut phones keep their colours.
RENDERING_INFO = ("transparency", "icc_profile")
# Empty metadata given to the encoders explicitly: some copy it from the source otherwise
# (GIF takes the first frame's comment).
NO_METADATA = {"exif": b"", "comment": b"", "xmp": b""}
SAVE_OPTIONS = {
    "JPEG": {},  # the source's own tables: _reencode
    "WEBP": {"quality": 90},
    "PNG": {},
    "GIF": {},
}
DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,  # truncated or corrupt data
    SyntaxError,  # some plugins' "not a valid file"
    ValueError,
    EOFError,
    IndexError,
    struct.error,
)


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str


def set_pillow_limit() -> None:
    """Pillow refuses to open anything past twice the limit and only warns past it: the warning
    is made an error too, so that every decode stops at the limit."""
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


def image_clean(*, name: str, data: bytes) -> CleanImage | str:
    """The image re-encoded without metadata, or the message saying why it is refused."""
    bad = gettext("“%(name)s”不是有效的图片文件") % {"name": name}
    try:
        with Image.open(BytesIO(data)) as probe:
            kind, (width, height) = probe.format, probe.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                return _too_many_pixels(name)
            probe.verify()
        if kind not in IMAGE_FORMATS:
            return gettext("“%(name)s”格式不支持，请上传 JPG、PNG、WebP 或 GIF") % {"name": name}
        with Image.open(BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > settings.IMAGE_MAX_PIXELS:
                return _too_many_pixels(name)
            cleaned = _reencode(image, kind, animated=frames > 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _too_many_pixels(name)
    except DECODE_ERRORS:
        return bad
    content_type, extension = IMAGE_FORMATS[kind]
    return CleanImage(data=cleaned, content_type=content_type, extension=extension)


def _too_many_pixels(name: str) -> str:
    return gettext("“%(name)s”像素过多（超过 %(megapixels)s 百万像素），不是有效的照片") % {
        "name": name,
        "megapixels": settings.IMAGE_MAX_PIXELS // 1_000_000,
    }


def _reencode(image: Image.Image, kind: str, *, animated: bool) -> bytes:
    out = BytesIO()
    options = {**SAVE_OPTIONS[kind], **NO_METADATA}
    if animated:
        # Every frame, re-encoded from the pixels; frame timing stays (it is not metadata).
        keep = {key: image.info[key] for key in RENDERING_INFO if key in image.info}
        image.save(out, format=kind, save_all=True, **keep, **options)
        return out.getvalue()
    keep = {key: image.info[key] for key in RENDERING_INFO if key in image.info}
    if kind == "JPEG":
        # The source's own quantization: about the same size and quality, where a fixed
        # quality would make a strongly compressed photo two or three times larger.
        keep["qtables"] = image.quantization
        keep["subsampling"] = JpegImagePlugin.get_sampling(image)
    upright = ImageOps.exif_transpose(image)
    upright.info = {}
    upright.save(out, format=kind, **keep, **options)
    return out.getvalue()


def attachments_store(*, ticket, images, now, saved_files: list, visit=None) -> None:
    """Store cleaned photos of a ticket (the citizen's at intake, a unit's on a field visit)
    under opaque names. Each stored file is appended to ``saved_files`` first, so the caller can
    delete them if its transaction rolls back. ``images``: (upload, CleanImage) pairs."""
    for upload, image in images:
        attachment = Attachment(
            ticket=ticket,
            visit=visit,
            token=secrets.token_hex(16),
            content_type=image.content_type,
            extension=image.extension,
            size=len(image.data),
            original_name=upload.name[:200],
            uploaded_at=now,
        )
        attachment.file.save("upload", ContentFile(image.data), save=False)
        saved_files.append(attachment.file)
        attachment.save()
