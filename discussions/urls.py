from .views import finding, moderation, threads

app_name = "discussions"

urlpatterns = [
    *threads.urlpatterns,
    *finding.urlpatterns,
    *moderation.urlpatterns,
]
