"""Every API route under /api/v1/. Each app's `api.py` registers its viewsets on the one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from common.import_api import urlpatterns as import_urlpatterns
from indicators.api import register as register_indicators
from org.api import obtain_token
from org.api import register as register_org
from reports.api import register as register_reports
from surveys.api import register as register_surveys

router = DefaultRouter()
register_org(router)
register_indicators(router)
register_surveys(router)
register_reports(router)

urlpatterns = [path("auth/token/", obtain_token, name="api-token"), *router.urls, *import_urlpatterns]
