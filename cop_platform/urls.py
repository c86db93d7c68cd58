from django.contrib import admin
from django.urls import include, path

from communities.views import home

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("communities.urls")),
    path("", include("notifications.urls")),
    path("", include("charter.urls")),
    path("", include("discussions.urls")),
    path("", include("meetings.urls")),
    path("", include("health.urls")),
    path("", include("webhooks.urls")),
    path("", include("feeds.urls")),
]

handler403 = "cop_platform.views.permission_denied"
handler404 = "cop_platform.views.page_not_found"
handler500 = "cop_platform.views.server_error"
