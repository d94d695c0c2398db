"""Admin for the catalog module's models: edits go through the services (events included)."""

from django.contrib import admin, messages

from modules.catalog import services
from modules.catalog.models import Product
from modules.catalog.rules import CatalogError


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "price", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("sku", "name")
    ordering = ("sku",)

    def get_readonly_fields(self, request, obj=None):
        return ("sku", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.product_update(
                    product_id=obj.pk,
                    name=obj.name,
                    description=obj.description,
                    price=obj.price,
                    active=obj.active,
                )
            else:
                created = services.product_create(
                    sku=obj.sku,
                    name=obj.name,
                    description=obj.description,
                    price=obj.price,
                    active=obj.active,
                )
                obj.pk = created.pk
        except CatalogError as error:
            self.message_user(request, f"{error.field}: {error.message}", messages.ERROR)
