"""Admin building blocks shared by modules: read-only views of derived records."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Records written only by services, handlers or the API: visible, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    """Inline rows of a read-only parent: listed, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
