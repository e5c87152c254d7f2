"""entrad's exceptions. The native module raises these; their messages are
one line and never hold a secret, key, assertion or token."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported at run time: see entrad/__init__.py
    from typing import Optional, Sequence

__all__ = [
    "EntradError",
    "ConfigurationError",
    "AuthenticationError",
    "NetworkError",
    "GraphError",
]


class EntradError(Exception):
    """Every error entrad raises. Fields the failure does not have are None."""

    #: The one-line advice for the common AADSTS codes ("the client secret is wrong...").
    hint: Optional[str]
    #: The client-request-id entrad sent with the failed request.
    client_request_id: Optional[str]

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.status: Optional[int] = fields.pop("status", None)  # type: ignore[assignment]
        self.hint = fields.pop("hint", None)  # type: ignore[assignment]
        self.client_request_id = fields.pop("client_request_id", None)  # type: ignore[assignment]
        for name, value in fields.items():
            setattr(self, name, value)


class ConfigurationError(EntradError, ValueError):
    """The configuration is wrong: authority, credential, file, option. Also a
    ValueError, which MSAL raises for a wrong configuration."""


class AuthenticationError(EntradError):
    """The token service refused to issue a token (or no source of the chain could)."""

    #: The OAuth error code, e.g. "invalid_client".
    error: Optional[str] = None
    #: The service's description, e.g. "AADSTS7000215: Invalid client secret provided. ...".
    error_description: Optional[str] = None
    #: The AADSTS numbers, e.g. [7000215].
    error_codes: Sequence[int] = ()
    #: The first AADSTS code.
    aadsts_code: Optional[int] = None
    #: Quote it to Microsoft support.
    correlation_id: Optional[str] = None
    #: Quote it to Microsoft support.
    trace_id: Optional[str] = None


class NetworkError(EntradError, ConnectionError):
    """The service could not be reached, timed out or stayed busy (429, 5xx)
    after the retries. Also a ConnectionError."""

    error: Optional[str] = None
    error_description: Optional[str] = None
    error_codes: Sequence[int] = ()
    aadsts_code: Optional[int] = None
    correlation_id: Optional[str] = None
    trace_id: Optional[str] = None
    code: Optional[str] = None
    request_id: Optional[str] = None


class GraphError(EntradError):
    """Microsoft Graph refused the request (its error JSON)."""

    #: Graph's code, e.g. "Authorization_RequestDenied".
    code: Optional[str] = None
    #: Graph's request-id: quote it to Microsoft support.
    request_id: Optional[str] = None
