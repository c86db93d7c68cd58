from django.urls import path

from . import views, views_profile

app_name = "communities"

urlpatterns = [
    path("communities/", views.directory, name="directory"),
    path("communities/new/", views.create, name="create"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("c/<slug:slug>/", views.detail, name="detail"),
    path("c/<slug:slug>/members/", views.members, name="members"),
    path("c/<slug:slug>/members/<int:pk>/role/", views.change_role, name="change_role"),
    path("c/<slug:slug>/join/", views.join, name="join"),
    path("c/<slug:slug>/leave/", views.leave, name="leave"),
    path("c/<slug:slug>/ask-to-join/", views.request_to_join, name="request_to_join"),
    path("c/<slug:slug>/ask-to-join/<int:pk>/withdraw/", views.withdraw_request, name="withdraw_request"),
    path("c/<slug:slug>/join-requests/", views.join_requests, name="join_requests"),
    path("c/<slug:slug>/join-requests/<int:pk>/decide/", views.decide_request, name="decide_request"),
    path("c/<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("c/<slug:slug>/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"),
    path("c/<slug:slug>/settings/", views.settings_view, name="settings"),
    path("c/<slug:slug>/audit-log/", views.audit_log, name="audit_log"),
]

# Served under the `accounts` namespace (`accounts:profile`), beside accounts' own pages: the
# path and name are the people pages', the view is ours because it shows memberships.
profile_urlpatterns = [
    path("people/<int:pk>/", views_profile.profile, name="profile"),
]
