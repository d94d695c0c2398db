"""Permission classes reading the stateless token (no user-table read per request)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_staff(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


class IsStaff(BasePermission):
    """Staff only: anonymous gets 401, a customer 403."""

    def has_permission(self, request, view) -> bool:
        return is_staff(request)


class IsStaffOrReadOnly(BasePermission):
    """Anyone may read (GET/HEAD/OPTIONS); writes are for staff."""

    anonymous_methods = SAFE_METHODS  # read by app.kernel.http.schema.AutoSchema

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or is_staff(request)
