"""``/api/analysis/topics/``: 每月一题, its problems and its weekly volume (the data the topic
page's chart draws). Adapters over analysis.topics.services / selectors."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from analysis.models import MonthlyTopic
from analysis.models.topics import ProblemStatus
from analysis.topics import selectors, services
from hotline.lib.errors import InvalidInput
from workorders.api.views import ApiView, errors


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class PlaceRefSerializer(RefSerializer):
    full_name = serializers.CharField()


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField()
    status = serializers.CharField()
    unit = serializers.CharField(source="unit.name", default="")
    created_at = serializers.DateTimeField()


class ProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    owner_unit = RefSerializer()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    updated_at = serializers.DateTimeField()
    notes = NoteSerializer(many=True, source="notes.all")


# The topic's month is written "YYYY-MM", not a full date: the schema says so.
@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-12"})
class MonthField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class TopicSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    month = MonthField()
    title = serializers.CharField()
    description = serializers.CharField()
    categories = PlaceRefSerializer(many=True, source="categories.all")
    regions = PlaceRefSerializer(many=True, source="regions.all")
    keywords = serializers.ListField(child=serializers.CharField(), source="keyword_list")
    lead_unit = RefSerializer()
    assist_units = RefSerializer(many=True, source="assist_units.all")
    goal = serializers.CharField()
    target_reduction = serializers.IntegerField(allow_null=True)
    problems = ProblemSerializer(many=True, source="problems.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class TopicInputSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    categories = serializers.ListField(child=serializers.IntegerField(), required=False)
    regions = serializers.ListField(child=serializers.IntegerField(), required=False)
    keywords = serializers.ListField(child=serializers.CharField(), required=False)
    lead_unit = serializers.IntegerField(allow_null=True)
    assist_units = serializers.ListField(child=serializers.IntegerField(), required=False)
    goal = serializers.CharField(allow_blank=True)
    target_reduction = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("诉求量下降目标（%），可空")
    )


class ProblemInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    owner_unit = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ProblemUpdateSerializer(serializers.Serializer):
    # A plain string (the service checks it): a second "status" enum would clash in the schema.
    status = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=" / ".join(ProblemStatus.values),
    )
    note = serializers.CharField(allow_blank=True)
    title = serializers.CharField(required=False)
    owner_unit = serializers.IntegerField(required=False)


class WeekSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    count = serializers.IntegerField()
    phase = serializers.ChoiceField(choices=["before", "since"])
    partial = serializers.BooleanField()


class VolumeSerializer(serializers.Serializer):
    topic = serializers.IntegerField()
    weeks = WeekSerializer(many=True)
    weeks_before = serializers.IntegerField()
    before_total = serializers.IntegerField()
    since_total = serializers.IntegerField()
    before_average = serializers.FloatField()
    since_average = serializers.FloatField(allow_null=True)
    change_percent = serializers.FloatField(allow_null=True)
    target_reduction = serializers.IntegerField(allow_null=True)
    target_average = serializers.FloatField(allow_null=True)
    target_met = serializers.BooleanField(allow_null=True)


def _detail(topic: MonthlyTopic) -> dict:
    topic = (
        MonthlyTopic.objects.select_related("lead_unit")
        .prefetch_related(
            "categories", "regions", "assist_units", "problems__owner_unit", "problems__notes__unit"
        )
        .get(pk=topic.pk)
    )
    return TopicSerializer(topic).data


TAGS = ["analysis"]


class TopicsView(ApiView):
    @extend_schema(
        summary=gettext_lazy("每月一题列表"),
        description=gettext_lazy("领导、派单员：全部题目（含往月）；承办单位：本单位参与的题目。"),
        tags=TAGS,
        responses={200: TopicSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request):
        topics = selectors.topics_for_user(user=request.user).prefetch_related(
            "categories", "regions", "problems__owner_unit", "problems__notes__unit"
        )
        return Response(TopicSerializer(topics, many=True).data)

    @extend_schema(
        summary=gettext_lazy("新建每月一题"),
        description=gettext_lazy(
            "领导：月份、题目、类别/区域/关键词（至少一项）、牵头和配合单位、目标。"
        ),
        tags=TAGS,
        request=TopicInputSerializer,
        responses={201: TopicSerializer, **errors(400, 401, 403)},
    )
    def post(self, request):
        data = self.parse(TopicInputSerializer)
        topic = services.topic_create(actor=request.user, **data)
        return Response(_detail(topic), status=status.HTTP_201_CREATED)


class TopicView(ApiView):
    @extend_schema(
        summary=gettext_lazy("每月一题详情"),
        tags=TAGS,
        responses={200: TopicSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(_detail(services.topic_get_for_user(user=request.user, pk=pk)))

    @extend_schema(
        summary=gettext_lazy("修改每月一题"),
        description=gettext_lazy("领导：只改所给的字段。"),
        tags=TAGS,
        request=TopicInputSerializer(partial=True),
        responses={200: TopicSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int):
        serializer = TopicInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        topic = services.topic_update(actor=request.user, topic_id=pk, **serializer.validated_data)
        return Response(_detail(topic))


class TopicVolumeView(ApiView):
    @extend_schema(
        summary=gettext_lazy("每月一题诉求量（按周）"),
        description=gettext_lazy("题目所在月之前 weeks 周（默认 8，最多 52）及之后每周的诉求量。"),
        tags=TAGS,
        parameters=[OpenApiParameter("weeks", OpenApiTypes.INT)],
        responses={200: VolumeSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request, pk: int):
        topic = services.topic_get_for_user(user=request.user, pk=pk)
        weeks = parse_weeks(request.query_params.get("weeks"))
        return Response(VolumeSerializer(selectors.topic_volume(topic=topic, weeks=weeks)).data)


def parse_weeks(value) -> int:
    if value in (None, ""):
        return selectors.DEFAULT_WEEKS
    if not str(value).isdigit() or not 1 <= int(value) <= selectors.MAX_WEEKS:
        message = gettext_lazy("周数应为 1 到 52 之间的整数")
        raise InvalidInput(str(message), fields={"weeks": [str(message)]})
    return int(value)


class ProblemsView(ApiView):
    @extend_schema(
        summary=gettext_lazy("添加问题清单"),
        description=gettext_lazy("领导或牵头单位：在题目下列出一个问题及其责任单位。"),
        tags=TAGS,
        request=ProblemInputSerializer,
        responses={201: ProblemSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        data = self.parse(ProblemInputSerializer)
        problem = services.problem_add(actor=request.user, topic_id=pk, **data)
        return Response(ProblemSerializer(problem).data, status=status.HTTP_201_CREATED)


class ProblemView(ApiView):
    @extend_schema(
        summary=gettext_lazy("更新问题进展"),
        description=gettext_lazy(
            "责任单位或领导：写一条进展，可同时改状态；领导还可改问题和责任单位。"
        ),
        tags=TAGS,
        request=ProblemUpdateSerializer,
        responses={200: ProblemSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request, pk: int, problem_id: int):
        data = self.parse(ProblemUpdateSerializer)
        problem = services.problem_update(
            actor=request.user, topic_id=pk, problem_id=problem_id, **data
        )
        return Response(ProblemSerializer(problem).data)
