from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from common import import_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin/: the admin's catch-all would otherwise answer these paths.
    path("admin/import/", import_views.import_index, name="import-index"),
    path("admin/import/<str:kind>/", import_views.import_upload, name="import-upload"),
    path("admin/import/<str:kind>/template/", import_views.import_template, name="import-template"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("indicators/", include("indicators.urls")),
    path("surveys/", include("surveys.urls")),
    path("results/", include("reports.urls_member")),
    path("reports/", include("reports.urls")),
    path("", include("org.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
