from django.contrib import admin
from django.urls import include, path

from accounts import urls as accounts_urls
from communities import urls as communities_urls
from communities.views import home
from digests import urls as digests_urls
from notifications import urls as notifications_urls

from . import views

urlpatterns = [
    path("", home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # One `accounts` namespace for the people pages, the profile page among them (served by communities).
    path("", include((accounts_urls.urlpatterns + communities_urls.profile_urlpatterns, accounts_urls.app_name))),
    path("", include("communities.urls")),
    # One "notifications" namespace for every email page: notifications' own (list,
    # unsubscribe, dev mail) and the digests app's preferences page.
    path(
        "",
        include(
            (notifications_urls.urlpatterns + digests_urls.urlpatterns, "notifications"),
            namespace="notifications",
        ),
    ),
    path("", include("charter.urls")),
    path("", include("discussions.urls")),
    path("", include("meetings.urls")),
    path("", include("health.urls")),
    path("", include("api.views")),
    path("", include("api.urls")),
    path("", include("webhooks.urls")),
    path("", include("feeds.urls")),
]

handler403 = "cop_platform.views.permission_denied"
handler404 = "cop_platform.views.page_not_found"
handler500 = "cop_platform.views.server_error"
