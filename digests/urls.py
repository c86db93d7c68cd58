from django.urls import path

from . import views

# Included by cop_platform/urls.py in the "notifications" namespace, beside notifications'
# own email pages, so `notifications:email_preferences` names the page as before.
urlpatterns = [
    path("email/preferences/", views.email_preferences, name="email_preferences"),
]
