from django.urls import path

from . import email_views, views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:pk>/read/", views.mark_read, name="mark_read"),
    path("notifications/read-all/", views.mark_all_read, name="mark_all_read"),
    path("email/unsubscribe/<str:token>/", email_views.unsubscribe, name="unsubscribe"),
    path("email/resubscribe/", email_views.resubscribe, name="resubscribe"),
    path("dev/mail/", email_views.dev_mail, name="dev_mail"),
    path("dev/mail/<str:name>/", email_views.dev_mail_message, name="dev_mail_message"),
]
