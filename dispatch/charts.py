"""The confusion matrix of a classifier version as a PNG, for the admin (Pillow, no JavaScript:
many government networks have no internet, and a picture can be pasted into a report)."""

import io
import logging
from functools import lru_cache

from django.utils.translation import gettext
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

# Noto Sans CJK (Debian's fonts-noto-cjk); face 2 of the collection is Simplified Chinese.
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CJK_FACE_SC = 2
CELL = 58
PAD = 12


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(CJK_FONT, size, index=CJK_FACE_SC)
    except OSError:
        # Without the CJK font Chinese labels show as boxes, but the numbers stay readable.
        logger.warning(
            "font %s missing: confusion matrix labels fall back to the default", CJK_FONT
        )
        return ImageFont.load_default(size=size)


def _width(draw: ImageDraw.ImageDraw, text: str, font) -> int:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    return int(right - left)


def _shade(share: float, diagonal: bool) -> tuple[int, int, int]:
    """White to deep blue (hits, on the diagonal) or to deep red (confusions)."""
    share = max(0.0, min(1.0, share))
    target = (33, 102, 172) if diagonal else (203, 24, 29)
    return tuple(round(255 + (t - 255) * share) for t in target)  # type: ignore[return-value]


def confusion_png(*, labels: list[str], matrix: list[list[int]], title: str = "") -> bytes:
    """Rows are the true categories, columns the predicted ones; colours are row shares."""
    label_font, cell_font, small_font = _font(15), _font(16), _font(11)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    n = len(labels)
    left = PAD + max([_width(probe, label, label_font) for label in labels] + [80]) + PAD
    # Column labels are written top to bottom, one character per line, as Chinese can be.
    line = 18
    top = PAD + 28 + 22 + max([len(label) for label in labels] + [1]) * line + PAD
    width = max(left + n * CELL + PAD, 360)
    height = top + n * CELL + PAD + 20
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), title or gettext("混淆矩阵"), fill="black", font=label_font)
    draw.text((left, PAD + 28), gettext("预测") + " →", fill=(90, 90, 90), font=small_font)
    draw.text((PAD, top - 18), gettext("实际") + " ↓", fill=(90, 90, 90), font=small_font)
    for j, label in enumerate(labels):
        x = left + j * CELL + CELL // 2
        for k, char in enumerate(label):
            char_width = _width(draw, char, label_font)
            draw.text(
                (x - char_width // 2, PAD + 50 + k * line), char, fill="black", font=label_font
            )
    for i, label in enumerate(labels):
        y = top + i * CELL
        label_width = _width(draw, label, label_font)
        draw.text(
            (left - PAD - label_width, y + CELL // 2 - 10), label, fill="black", font=label_font
        )
        row = matrix[i] if i < len(matrix) else []
        total = sum(row) or 1
        for j in range(n):
            count = row[j] if j < len(row) else 0
            x = left + j * CELL
            draw.rectangle(
                [x, y, x + CELL - 1, y + CELL - 1],
                fill=_shade(count / total, i == j),
                outline=(220, 220, 220),
            )
            share = count / total
            ink = "white" if share > 0.55 else "black"
            text = str(count)
            draw.text(
                (x + (CELL - _width(draw, text, cell_font)) // 2, y + 10),
                text,
                fill=ink,
                font=cell_font,
            )
            if count:
                percent = f"{share:.0%}"
                draw.text(
                    (x + (CELL - _width(draw, percent, small_font)) // 2, y + 34),
                    percent,
                    fill=ink,
                    font=small_font,
                )
    if not n:
        draw.text((PAD, top), gettext("无评估数据"), fill="black", font=label_font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
