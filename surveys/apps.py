from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("问卷与评价")

    def ready(self) -> None:
        # Registers the `questionnaire` and `responses` import kinds with common.imports.
        from surveys.services import questionnaire_io, responses_io  # noqa: F401
