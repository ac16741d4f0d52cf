"""Serving a ticket's photo: never as public media, always after the ticket's own access check.

The page (``views.common.attachment``) and the API (``api.views.TicketAttachmentView`` and the
public ``PublicAttachmentView``) first fetch the ticket through their access funnel, then ask
for the photo by its token here.
"""

from django.http import FileResponse
from django.utils.translation import gettext as _

from hotline.lib.errors import NotFound
from workorders.models import Ticket


def attachment_response(*, ticket: Ticket, token: str, staff: bool = False) -> FileResponse:
    """The photo ``token`` of ``ticket``, streamed; NotFound if it is not this ticket's.

    ``staff``: the asker is staff who may see the ticket, and so its field-visit photos too; the
    citizen (and whoever holds the query code) gets only the citizen's own photos."""
    photos = ticket.attachments.all() if staff else ticket.attachments.filter(visit__isnull=True)
    # Tokens are 32 hex digits; anything else (NUL included) is not worth a query.
    item = photos.filter(token=token).first() if token.isalnum() else None
    if item is None:
        raise NotFound(_("附件不存在"))
    try:
        stream = item.file.open("rb")
    except OSError:
        # The row outlived its file (a restore without media): say so, do not crash.
        raise NotFound(_("附件文件已丢失")) from None
    response = FileResponse(stream, content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="{item.token}.{item.extension}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
