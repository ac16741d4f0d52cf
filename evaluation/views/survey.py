"""The citizen's survey page, opened from the SMS link: no account, a phone screen, three
questions. The link itself is the key (signed, expiring, single-use: evaluation.services)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from evaluation import services
from evaluation.forms import SurveyForm
from hotline.lib.errors import DomainError, InvalidInput
from workorders.forms import apply_domain_error

SESSION_KEY = "survey_done"


def _closed(request: HttpRequest, error: DomainError) -> HttpResponse:
    return render(
        request, "evaluation/survey_closed.html", {"error": error}, status=error.http_status
    )


@never_cache
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        follow_up = services.survey_get(token=token)
    except DomainError as error:
        return _closed(request, error)
    form = SurveyForm(request.POST or None)
    if follow_up.unit_id is None:
        # Answered on the line by an operator: no unit to have contacted the citizen.
        del form.fields["contacted"]
    error, status = None, 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.survey_submit(
                    token=token,
                    contacted=data.get("contacted"),
                    solved=data["solved"],
                    satisfaction=data["satisfaction"],
                    comment=data["comment"],
                )
            except DomainError as exc:
                error, status = exc, exc.http_status
                apply_domain_error(form, exc)
            else:
                request.session[SESSION_KEY] = {
                    "number": follow_up.ticket.number,
                    "solved": data["solved"] == "yes",
                }
                return redirect(reverse("evaluation:survey_thanks"))
        else:
            error, status = InvalidInput(_("请回答全部问题")), 400
    context = {"follow_up": follow_up, "ticket": follow_up.ticket, "form": form, "error": error}
    return render(request, "evaluation/survey.html", context, status=status)


@never_cache
def survey_thanks(request: HttpRequest) -> HttpResponse:
    done = request.session.get(SESSION_KEY)
    return render(request, "evaluation/survey_thanks.html", {"done": done})
