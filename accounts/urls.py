from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.profile, name="profile"),
    path("profile/edit/", views.profile_edit, name="profile_edit"),
    path("profile/expertise-suggestions/", views.expertise_suggestions, name="expertise_suggestions"),
]
