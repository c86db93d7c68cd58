from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("c/<slug:slug>/webhooks/", views.webhook_list, name="list"),
    path("c/<slug:slug>/webhooks/<int:pk>/", views.webhook_edit, name="edit"),
    path("c/<slug:slug>/webhooks/<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("c/<slug:slug>/webhooks/<int:pk>/deliveries/", views.delivery_log, name="log"),
    path(
        "c/<slug:slug>/webhooks/<int:pk>/deliveries/<int:delivery_pk>/send-again/",
        views.delivery_send_again,
        name="send_again",
    ),
    path("webhooks/", views.webhook_list, name="platform_list"),
    path("webhooks/<int:pk>/", views.webhook_edit, name="platform_edit"),
    path("webhooks/<int:pk>/delete/", views.webhook_delete, name="platform_delete"),
    path("webhooks/<int:pk>/deliveries/", views.delivery_log, name="platform_log"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/send-again/",
        views.delivery_send_again,
        name="platform_send_again",
    ),
]
