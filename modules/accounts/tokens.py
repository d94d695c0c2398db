"""The JWTs of the accounts module: what they claim, and when a claim is re-read.

Access tokens are checked statelessly (``JWTStatelessUserAuthentication``: no user-table read
per request), so a claim is as fresh as the token carrying it. The bound: every refresh
re-reads the user (:class:`UserCheckedRefreshToken`): a deactivated or deleted user's refresh
is a 401, and ``is_staff`` is recomputed for the new access and refresh tokens. Losing staff
or being deactivated therefore takes effect, at the latest, when the access token in hand
expires (``JWT_ACCESS_MINUTES``).
"""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from modules.accounts import selectors
from modules.accounts.models import User

STAFF_CLAIM = "is_staff"


def add_user_claims(token: RefreshToken, user: User) -> None:
    """The claims permission checks read (copied into every access token minted from it)."""
    token[STAFF_CLAIM] = bool(user.is_staff)


class UserCheckedRefreshToken(RefreshToken):
    """A refresh token whose user is re-read when it is presented (``token`` given): the
    user must still exist and be active, and the user claims are recomputed."""

    def __init__(self, token: Any = None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:  # a new token, made by for_user()
            return
        user_id = self.payload.get(api_settings.USER_ID_CLAIM)
        user = selectors.user_get(user_id=int(user_id)) if str(user_id).isdigit() else None
        if user is None:
            raise AuthenticationFailed(
                "No active account found for the given token.", code="no_active_account"
            )
        add_user_claims(self, user)
