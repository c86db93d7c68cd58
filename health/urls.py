from . import views

app_name = "health"

urlpatterns = views.urlpatterns
