"""Admin for the catalog module's models: edits go through the services (events included)."""

from django import forms
from django.contrib import admin, messages

from modules.catalog import services
from modules.catalog.models import Product
from modules.catalog.rules import CatalogError, check_price, check_sku


class ProductForm(forms.ModelForm):
    """The catalog rules, checked before the services run (so errors show on the form)."""

    class Meta:
        model = Product
        fields = ("sku", "name", "description", "price", "active")

    def clean_sku(self):
        return self._rule(check_sku, "sku")

    def clean_price(self):
        return self._rule(check_price, "price")

    def _rule(self, check, field):
        value = self.cleaned_data.get(field)
        try:
            return check(value)
        except CatalogError as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
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
