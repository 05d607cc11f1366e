from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("组织与党员")

    def ready(self) -> None:
        # Registers the `roster` import kind with common.imports.
        from org.services import roster_io  # noqa: F401
