from django.urls import path, register_converter

from evaluation.views import console, exemptions, rankings, survey

app_name = "evaluation"


class MonthConverter:
    """ "2026-03": the month the URL is about (checked again by periods.parse_month)."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return value if isinstance(value, str) else f"{value:%Y-%m}"


register_converter(MonthConverter, "month")

urlpatterns = [
    # the follow-up agent's console
    path("", console.follow_up, name="follow_up"),
    path("follow-ups/<int:pk>/call/", console.record_call, name="record_call"),
    path("follow-ups/<int:pk>/decision/", console.decide, name="decide"),
    # the citizen's survey (no account: the signed link is the key)
    path("survey/thanks/", survey.survey_thanks, name="survey_thanks"),
    path("survey/<str:token>/", survey.survey, name="survey"),
    # rankings, units' figures and the tickets behind them
    path("rankings/", rankings.rankings, name="rankings"),
    path("rankings/<month:month>/", rankings.rankings, name="rankings_month"),
    path("rankings/<month:month>/v<int:number>/", rankings.version, name="rankings_version"),
    path("rankings/<month:month>/export.xlsx", rankings.export_xlsx, name="export_xlsx"),
    path("rankings/<month:month>/export.csv", rankings.export_csv, name="export_csv"),
    path("rankings/<month:month>/close/", rankings.close_month, name="close_month"),
    path("rankings/<month:month>/units/<int:unit_id>/", rankings.unit_month, name="unit_month"),
    path(
        "rankings/<month:month>/units/<int:unit_id>/<str:figure>/",
        rankings.drill_down,
        name="drill_down",
    ),
    path("my-unit/", rankings.my_unit, name="my_unit"),
    # 免考核
    path("exemptions/", exemptions.exemptions, name="exemptions"),
    path("exemptions/new/<int:ticket_id>/", exemptions.exemption_new, name="exemption_new"),
    path("exemptions/<int:pk>/decision/", exemptions.exemption_decide, name="exemption_decide"),
]
