"""Pages of the knowledge base: the public search at /knowledge/ and an entry's page; for the
owning units' staff and administrators the list, the edit form, the versions and restoring;
for administrators what was used most and which questions found no good entry."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.lib.errors import DomainError
from knowledge import search, selectors, services
from knowledge.access import entry_get_for_user, require_editor
from knowledge.forms import EntryForm, SearchForm
from knowledge.models import Search, Visibility
from workorders.access import role_of
from workorders.forms import apply_domain_error
from workorders.models import Role
from workorders.views.common import paginate, render_error, role_required

EDITORS = (Role.UNIT_STAFF, Role.ADMIN)


def public_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results, error, logged = [], None, None
    q = request.GET.get("q", "")
    if q.strip():
        try:
            q = search.clean_query(q)
            found = search.knowledge_search(user=request.user, q=q, limit=10)
            logged = services.search_logged(
                query=q,
                source=Search.Source.PUBLIC,
                results=len(found),
                top_score=found[0].score if found else 0,
            )
            # A citizen reads every result as an answer: guesses below the bar are left out.
            results = [hit for hit in found if hit.good]
        except DomainError as exc:
            error = exc
    context = {"form": form, "results": results, "error": error, "q": q, "search": logged}
    return render(
        request, "knowledge/search.html", context, status=error.http_status if error else 200
    )


def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = entry_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    searched = request.GET.get("s", "")
    if searched.isdigit():
        services.search_clicked(search_id=int(searched), entry_id=entry.pk)
    paragraphs = [part.strip() for part in entry.body.split("\n") if part.strip()]
    return render(request, "knowledge/entry.html", {"entry": entry, "paragraphs": paragraphs})


@role_required(*EDITORS)
def manage(request: HttpRequest) -> HttpResponse:
    entries = selectors.entries_managed_by(request.user).select_related("unit", "category")
    visibility = request.GET.get("visibility", "")
    if visibility in Visibility.values:
        entries = entries.filter(visibility=visibility)
    context = {
        "page": paginate(request, entries.order_by("-updated_at", "pk")),
        "visibility": visibility,
        "visibilities": Visibility.choices,
        "attention": selectors.entries_needing_attention(user=request.user)[:20],
    }
    return render(request, "knowledge/manage.html", context)


def _edit_page(request, form, *, entry=None, error=None, status=200) -> HttpResponse:
    context = {"form": form, "entry": entry, "error": error}
    return render(request, "knowledge/edit.html", context, status=status)


def _form_values(form: EntryForm) -> dict:
    values = dict(form.cleaned_data)
    for field in ("category", "unit"):
        if field in values:
            values[field] = values[field].pk if values[field] else None
    return values


@role_required(*EDITORS)
def create(request: HttpRequest) -> HttpResponse:
    admin = role_of(request.user) == Role.ADMIN
    if request.method != "POST":
        return _edit_page(request, EntryForm(admin=admin, initial={"visibility": "draft"}))
    form = EntryForm(request.POST, admin=admin)
    if not form.is_valid():
        return _edit_page(request, form, status=400)
    try:
        entry = services.entry_create(actor=request.user, **_form_values(form))
    except DomainError as error:
        apply_domain_error(form, error)
        return _edit_page(request, form, error=error, status=error.http_status)
    messages.success(request, _("已保存知识条目"))
    return redirect("knowledge:edit", pk=entry.pk)


@role_required(*EDITORS)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    admin = role_of(request.user) == Role.ADMIN
    try:
        entry = entry_get_for_user(user=request.user, pk=pk)
        require_editor(request.user, entry)
    except DomainError as error:
        return render_error(request, error)
    if request.method != "POST":
        initial = {field: getattr(entry, field) for field in EntryForm.base_fields}
        return _edit_page(request, EntryForm(admin=admin, initial=initial), entry=entry)
    form = EntryForm(request.POST, admin=admin)
    if not form.is_valid():
        return _edit_page(request, form, entry=entry, status=400)
    try:
        services.entry_update(actor=request.user, entry_id=entry.pk, **_form_values(form))
    except DomainError as error:
        apply_domain_error(form, error)
        return _edit_page(request, form, entry=entry, error=error, status=error.http_status)
    messages.success(request, _("已保存知识条目"))
    return redirect("knowledge:edit", pk=entry.pk)


@role_required(*EDITORS)
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = entry_get_for_user(user=request.user, pk=pk)
        require_editor(request.user, entry)
    except DomainError as error:
        return render_error(request, error)
    rows = entry.versions.select_related("actor__profile")
    return render(request, "knowledge/versions.html", {"entry": entry, "versions": rows})


@require_POST
@role_required(*EDITORS)
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    number = request.POST.get("version", "")
    try:
        services.entry_restore(
            actor=request.user, entry_id=pk, number=int(number) if number.isdigit() else 0
        )
    except DomainError as error:
        return render_error(request, error)
    messages.success(request, _("已恢复为第 %(number)s 版") % {"number": number})
    return redirect("knowledge:versions", pk=pk)


@role_required(Role.ADMIN)
def report(request: HttpRequest) -> HttpResponse:
    context = {
        "most_used": selectors.most_used(),
        "unanswered": selectors.unanswered_searches(),
        "good_score": search.GOOD_SCORE,
    }
    return render(request, "knowledge/report.html", context)
