"""Sign-in page: Django's own, saying so when the guessing limits refuse (the authentication
backend, hotline/lib/auth.py, counts and enforces them), and landing on the person's own
workspace (the home page is the citizens' front door)."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse

from hotline.lib.attempts import check, login_guards
from hotline.lib.errors import TooManyAttempts
from workorders.access import role_of
from workorders.registry import workspace_for


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"

    def post(self, request, *args, **kwargs) -> HttpResponse:
        try:
            check(*login_guards(request, request.POST.get("username", "")))
        except TooManyAttempts as error:
            context = self.get_context_data(form=self.get_form(), too_many_attempts=error.message)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        # Only when the form named no page to go back to ("next").
        workspace = workspace_for(role_of(self.request.user))
        return reverse(workspace.url_name) if workspace else super().get_default_redirect_url()
