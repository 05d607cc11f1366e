from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("指标体系")

    def ready(self) -> None:
        # Registers the `indicators` and `measurements` import kinds with common.imports.
        from indicators.services import indicator_io, measurement_io  # noqa: F401
