from django.urls import path

from . import views

app_name = "accounts"

# The profile page (`accounts:profile`) shows memberships, so communities serves it: see
# cop_platform/urls.py, which adds `communities.urls.profile_urlpatterns` to this namespace.

urlpatterns = [
    path("people/", views.people, name="people"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/expertise-suggestions/", views.expertise_suggestions, name="expertise_suggestions"),
]
