from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from triage import api, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("support/new", views.support_new, name="support_new"),
    path("api/v1/tickets", api.create_ticket, name="api_tickets"),
    path("api/v1/ingest/email", api.ingest_email, name="api_ingest_email"),
    path("api/v1/ingest/chat", api.ingest_chat, name="api_ingest_chat"),
    path("api/v1/webhooks/zendesk", api.zendesk_webhook, name="webhook_zendesk"),
    path("api/v1/webhooks/intercom", api.intercom_webhook, name="webhook_intercom"),
    path("api/v1/webhooks/freshdesk", api.freshdesk_webhook, name="webhook_freshdesk"),
    path("", include("dashboard.urls")),
]
