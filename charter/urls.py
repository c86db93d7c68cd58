
from .views import drafts, stories, vision

app_name = "charter"

urlpatterns = [
    # Drafts, versions and review.
    *drafts.urlpatterns,
    # Vision rounds.
    *vision.urlpatterns,
    # Value stories.
    *stories.urlpatterns,
]
