"""What the API accepts and returns, one module per subdomain; every name is re-exported here
(``from workorders.api import serializers as s; s.TicketDetailSerializer``).

Input serializers check only the shape of a request (types, known choices, ids that exist, a
ceiling on text length); the rules of the domain (minimum lengths, phone numbers, images, who may
do what) stay in ``workorders.services``, so the pages and the API give the same answers.
"""

from workorders.api.serializers.approvals import (
    ExtensionRequestSerializer,
    HandOffSerializer,
    PauseSerializer,
    ReturnRequestSerializer,
    SupervisionSerializer,
)
from workorders.api.serializers.common import (
    TEXT_MAX,
    ErrorSerializer,
    NamedRefSerializer,
    named_ref,
)
from workorders.api.serializers.intake import (
    AttachmentInputSerializer,
    Base64AttachmentsField,
    IntakeJSONSerializer,
    IntakeMultipartSerializer,
    IntakeResultSerializer,
    IntakeSerializer,
)
from workorders.api.serializers.reference import (
    CategorySerializer,
    RegionSerializer,
    TokenResultSerializer,
    UnitSerializer,
)
from workorders.api.serializers.tickets import (
    LIGHT_FIELDS,
    LIGHT_SCHEMA,
    AssignmentSerializer,
    AttachmentSerializer,
    CitizenSerializer,
    RevealedContactSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
    TicketStubSerializer,
    TriageTicketSerializer,
    UnitLightCountsSerializer,
)
from workorders.api.serializers.timeline import (
    TIMELINE_SCHEMA,
    PublicEventSerializer,
    StaffEventSerializer,
    timeline_data,
    timeline_for,
)
from workorders.api.serializers.tracking import (
    REPLIED,
    MasterResultSerializer,
    PublicTicketSerializer,
    SupplementInputSerializer,
    TrackingKeySerializer,
)

__all__ = [
    "TEXT_MAX",
    "ErrorSerializer",
    "NamedRefSerializer",
    "named_ref",
    "AttachmentInputSerializer",
    "Base64AttachmentsField",
    "IntakeSerializer",
    "IntakeJSONSerializer",
    "IntakeMultipartSerializer",
    "IntakeResultSerializer",
    "StaffEventSerializer",
    "PublicEventSerializer",
    "TIMELINE_SCHEMA",
    "timeline_data",
    "timeline_for",
    "LIGHT_SCHEMA",
    "LIGHT_FIELDS",
    "TicketListSerializer",
    "TicketStubSerializer",
    "TriageTicketSerializer",
    "CitizenSerializer",
    "AssignmentSerializer",
    "AttachmentSerializer",
    "TicketDetailSerializer",
    "UnitLightCountsSerializer",
    "RevealedContactSerializer",
    "ReturnRequestSerializer",
    "ExtensionRequestSerializer",
    "PauseSerializer",
    "HandOffSerializer",
    "SupervisionSerializer",
    "REPLIED",
    "MasterResultSerializer",
    "PublicTicketSerializer",
    "TrackingKeySerializer",
    "SupplementInputSerializer",
    "UnitSerializer",
    "CategorySerializer",
    "RegionSerializer",
    "TokenResultSerializer",
]
