"""The admin's site: Django's, with every model's admin (auth's and the
libraries' too) refusing rows selected by anything but their ids.

Its own module: factcheck.admin registers on the default site, which Django
builds from this class while it imports the admin modules."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect


class RowsSelectedByIdAdmin:
    """Refuses an action on rows selected by anything but their ids, with a
    message on the list: Django would filter by it, and crash."""

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":
            pk = self.model._meta.pk
            try:
                for selected in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                    # The validators hold the column's range: 20 nines overflow it.
                    pk.run_validators(pk.to_python(selected))
            except ValidationError:
                message = "A selected row is not one of the rows listed; nothing was done."
                self.message_user(request, message, messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
        return super().changelist_view(request, extra_context)


class DeskAdminSite(admin.AdminSite):
    """Each admin registered here refuses rows selected by anything but their ids."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        checked = type(admin_class.__name__, (RowsSelectedByIdAdmin, admin_class), {})
        super().register(model_or_iterable, checked, **options)
