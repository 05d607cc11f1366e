"""Every API route under /api/v1/. Each app's `api.py` registers its viewsets here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls
