"""The token types azure-core's credential protocols return: azure-core's own
when it is installed, else look-alikes with the same fields, so that entrad
imports without azure-core."""

from typing import NamedTuple, Optional

try:
    from azure.core.credentials import AccessToken, AccessTokenInfo
    from azure.core.exceptions import ClientAuthenticationError
except ImportError:  # entrad works without the Azure SDK
    ClientAuthenticationError = None  # type: ignore[assignment,misc]

    class AccessToken(NamedTuple):  # type: ignore[no-redef]
        """A token and when it expires (Unix seconds), as azure-core's."""

        token: str
        expires_on: int

    class AccessTokenInfo:  # type: ignore[no-redef]
        """A token with its expiry, type and refresh time, as azure-core's."""

        def __init__(self, token: str, expires_on: int, *, token_type: str = "Bearer",
                     refresh_on: Optional[int] = None) -> None:
            self.token = token
            self.expires_on = expires_on
            self.token_type = token_type
            self.refresh_on = refresh_on

        def __repr__(self) -> str:
            return "AccessTokenInfo(token='[REDACTED]', expires_on={}, token_type={!r}, refresh_on={})".format(
                self.expires_on, self.token_type, self.refresh_on)

__all__ = ["AccessToken", "AccessTokenInfo", "ClientAuthenticationError"]
