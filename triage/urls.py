from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from triage.ingest import http


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; the static file's (hashed) URL is
    known only once the app runs."""
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("support/new", http.support_new, name="support_new"),
    path("api/v1/tickets", http.create_ticket, name="api_tickets"),
    path("api/v1/ingest/email", http.ingest_email, name="api_ingest_email"),
    path("api/v1/ingest/chat", http.ingest_chat, name="api_ingest_chat"),
    path("api/v1/webhooks/zendesk", http.zendesk_webhook, name="webhook_zendesk"),
    path("api/v1/webhooks/intercom", http.intercom_webhook, name="webhook_intercom"),
    path("api/v1/webhooks/freshdesk", http.freshdesk_webhook, name="webhook_freshdesk"),
    path("", include("dashboard.urls")),
]
