"""REST endpoints of the knowledge base: entries (create, read, change, versions, restore) and
the search, for the desk's live suggestions, the units and the public. Adapters only: the rules
are in ``knowledge.services`` and ``knowledge.access``."""

from dataclasses import asdict

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response

from knowledge import search, services
from knowledge import serializers as s
from knowledge.access import entries_visible_to, entry_get_for_user, require_editor
from knowledge.models import Search
from workorders.api.views import ApiView, errors

TAG = "knowledge"


def _entry(entry) -> dict:
    return s.EntrySerializer(entry).data


class EntriesView(ApiView):
    @extend_schema(
        summary=_("知识条目列表"),
        description=_("公众只见公开条目，工作人员另见内部条目，本单位人员另见本单位的草稿与归档。"),
        responses={200: s.EntrySerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        entries = entries_visible_to(request.user).select_related("category", "unit")
        return Response(s.EntrySerializer(entries.order_by("-updated_at")[:200], many=True).data)

    @extend_schema(
        summary=_("新建知识条目"),
        description=_(
            "承办单位工作人员（本单位）和管理员。发布（public、internal）须有标题和答复内容。"
        ),
        request=s.EntryInput,
        responses={201: s.EntrySerializer, **errors(400, 401, 403)},
        tags=[TAG],
    )
    def post(self, request):
        data = self.parse(s.EntryInput)
        entry = services.entry_create(actor=request.user, **data)
        return Response(_entry(entry), status=status.HTTP_201_CREATED)

    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return super().get_permissions()


class EntryView(ApiView):
    @extend_schema(
        summary=_("知识条目"),
        responses={200: s.EntrySerializer, **errors(404)},
        tags=[TAG],
    )
    def get(self, request, pk: int):
        return Response(_entry(entry_get_for_user(user=request.user, pk=pk)))

    @extend_schema(
        summary=_("修改知识条目"),
        description=_("只改所传字段；每次修改保存一个版本。其他单位的条目：403。"),
        request=s.EntryInput,
        responses={200: s.EntrySerializer, **errors(400, 401, 403, 404)},
        tags=[TAG],
    )
    def patch(self, request, pk: int):
        data = self.parse(s.EntryInput)
        entry = services.entry_update(actor=request.user, entry_id=pk, **data)
        return Response(_entry(entry))

    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return super().get_permissions()


class VersionsView(ApiView):
    @extend_schema(
        summary=_("知识条目的版本"),
        responses={200: s.VersionSerializer(many=True), **errors(401, 403, 404)},
        tags=[TAG],
    )
    def get(self, request, pk: int):
        entry = entry_get_for_user(user=request.user, pk=pk)
        require_editor(request.user, entry)
        versions = entry.versions.select_related("actor")
        return Response(s.VersionSerializer(versions, many=True).data)


class RestoreView(ApiView):
    @extend_schema(
        summary=_("恢复知识条目的某一版本"),
        request=s.RestoreInput,
        responses={200: s.EntrySerializer, **errors(400, 401, 403, 404)},
        tags=[TAG],
    )
    def post(self, request, pk: int):
        data = self.parse(s.RestoreInput)
        entry = services.entry_restore(actor=request.user, entry_id=pk, number=data["version"])
        return Response(_entry(entry))


SOURCES = {value for value, _label in Search.Source.choices}


class SearchView(ApiView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=_("查询知识库"),
        description=_(
            "按相关度从高到低。匿名只查公开条目，工作人员另查内部条目；过期条目不出现。"
            "q 为 1 到 2000 字。"
        ),
        parameters=[
            OpenApiParameter("q", str, required=True, description=_("查询内容，如来电内容")),
            OpenApiParameter("limit", int, description=_("结果数，1 到 50，默认 5")),
            OpenApiParameter(
                "source", str, enum=sorted(SOURCES), description=_("查询来自何处（统计用）")
            ),
        ],
        responses={200: s.SearchResponseSerializer, **errors(400)},
        tags=[TAG],
    )
    def get(self, request):
        q = search.clean_query(request.query_params.get("q"))
        limit = search.clean_limit(request.query_params.get("limit"))
        results = search.knowledge_search(user=request.user, q=q, limit=limit)
        source = request.query_params.get("source")
        logged = services.search_logged(
            query=q,
            source=source if source in SOURCES else Search.Source.API,
            results=len(results),
            top_score=results[0].score if results else 0,
        )
        return Response({"search": logged.pk, "results": [asdict(result) for result in results]})


class ClickView(ApiView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary=_("记录点击的查询结果"),
        request=s.ClickInput,
        responses={204: None, **errors(400)},
        tags=[TAG],
    )
    def post(self, request, pk: int):
        data = self.parse(s.ClickInput)
        services.search_clicked(search_id=pk, entry_id=data["entry"])
        return Response(status=status.HTTP_204_NO_CONTENT)
