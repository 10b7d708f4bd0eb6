from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_save


class FactcheckConfig(AppConfig):
    default = True  # this module holds the admin's config too
    name = "factcheck"
    verbose_name = "Fact-check desk"

    def ready(self):
        from . import services

        # The user model is Django's, so a signal is the one hook that sees
        # every deactivation (the admin's, a shell's user.save()).
        post_save.connect(
            services.release_claims_of_deactivated_user,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="factcheck.release_claims_of_deactivated_user",
        )


class DeskAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "factcheck.admin_site.DeskAdminSite"
