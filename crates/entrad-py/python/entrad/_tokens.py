"""The token types azure-core's credential protocols return, and the error
Azure SDK users catch: azure-core's own, imported the first time a credential
needs them (importing azure-core takes longer than the rest of
``import entrad``, and ``entrad.msal`` never needs it), else the look-alikes
below, with the same fields, so that entrad works without azure-core."""

import functools
from typing import NamedTuple, Optional, Tuple


class AccessToken(NamedTuple):
    """A token and when it expires (Unix seconds), as azure-core's."""

    token: str
    expires_on: int


class AccessTokenInfo:
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


@functools.lru_cache(maxsize=None)
def types() -> Tuple[type, type, Optional[type]]:
    """``(AccessToken, AccessTokenInfo, ClientAuthenticationError)``: azure-core's
    when it can be imported, else the look-alikes and None."""
    try:
        from azure.core.credentials import AccessToken as AzureAccessToken, AccessTokenInfo as AzureAccessTokenInfo
        from azure.core.exceptions import ClientAuthenticationError
    except ImportError:  # entrad works without the Azure SDK
        return AccessToken, AccessTokenInfo, None
    return AzureAccessToken, AzureAccessTokenInfo, ClientAuthenticationError


__all__ = ["AccessToken", "AccessTokenInfo", "types"]
