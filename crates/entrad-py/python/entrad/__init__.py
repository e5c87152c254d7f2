"""entrad for Python: Microsoft Entra app-only tokens and Microsoft Graph on
entrad's engine (token caches shared by processes and hosts with one request
between them, proactive refresh, continuous access evaluation, managed
identity and the credential chain, Graph paging with retries).

* ``from entrad import msal``: MSAL Python's ConfidentialClientApplication.
* :class:`Credential` (and ``entrad.aio.Credential``): azure-core's credential
  protocols, for every Azure SDK client and msgraph-sdk.
* :class:`Graph`: every item of a Graph collection, page after page.
* Exceptions: :class:`EntradError` and its subclasses.

Python's logging receives entrad's events on the logger ``entrad``.
"""

# What this imports is most of a new process's start before its first token:
# typing, urllib.parse, json and logging (and re, which they import) are not
# imported here, nor on the way to a token or a listing (annotations are
# strings; the look-alike token types come from entrad._tokens on first use).
from __future__ import annotations

import os

from . import _entrad
from ._errors import AuthenticationError, ConfigurationError, EntradError, GraphError, NetworkError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple

    from azure.core.credentials import AccessToken, AccessTokenInfo

__version__ = _entrad.__version__

__all__ = [
    "Credential",
    "Graph",
    "EntradError",
    "ConfigurationError",
    "AuthenticationError",
    "NetworkError",
    "GraphError",
    "AccessToken",
    "AccessTokenInfo",
]

_PUBLIC_CLOUD = "https://login.microsoftonline.com/"

#: What _token_types answered (it does not change).
_types: Optional[Tuple[type, type, Optional[type]]] = None


def _token_types() -> Tuple[type, type, Optional[type]]:
    """``(AccessToken, AccessTokenInfo, ClientAuthenticationError)``: azure-core's,
    else entrad's look-alikes and None (entrad._tokens, imported on first use)."""
    global _types
    if _types is None:
        from ._tokens import types

        _types = types()
    return _types


def __getattr__(name: str) -> Any:
    """``entrad.AccessToken`` and ``entrad.AccessTokenInfo``: azure-core's
    types when it is installed (imported on first use), else look-alikes."""
    if name == "AccessToken":
        return _token_types()[0]
    if name == "AccessTokenInfo":
        return _token_types()[1]
    raise AttributeError("module 'entrad' has no attribute {!r}".format(name))


def _raise_for_azure(error: EntradError) -> None:
    """Raises what a credential's caller catches for `error`: azure-core's
    ClientAuthenticationError caused by it (what Azure SDK clients and
    azure-identity users catch), or, for a configuration error or without
    azure-core, `error` itself."""
    error_type = _token_types()[2]
    if error_type is None or isinstance(error, ConfigurationError):
        raise error
    raise error_type(message=str(error)) from error


def _scopes(scopes: Tuple[str, ...]) -> list:
    if not scopes:
        raise ValueError("get_token needs at least one scope, e.g. 'https://graph.microsoft.com/.default'")
    for scope in scopes:
        if not isinstance(scope, str):
            raise TypeError("scopes must be str, not {}".format(type(scope).__name__))
    return list(scopes)


def _check_tenant(tenant_id: Optional[str]) -> None:
    if tenant_id is not None:
        raise ValueError("tenant_id: an entrad Credential serves the tenant it was built for; "
                         "build one Credential per tenant")


def _certificate(path: str, password: Optional[str]) -> Dict[str, Any]:
    """A certificate file (PEM with the key and the certificate, or PFX) as
    the native constructor's keywords."""
    with open(path, "rb") as f:
        data = f.read()
    if data.lstrip().startswith(b"-----BEGIN"):
        return {"private_key": data, "certificate": data}
    return {"pfx": data, "passphrase": password}


class Credential:
    """A token credential on entrad's engine, with azure-core's protocols
    (``TokenCredential`` and ``SupportsTokenInfo``): give it to any Azure SDK
    client, or to msgraph-sdk (through ``entrad.aio.Credential``).

    Keyword construction mirrors the ``entrad`` command's options::

        Credential(client_id=..., authority="https://login.microsoftonline.com/TENANT", secret=...)
        Credential(client_id=..., tenant_id=..., certificate="app.pem")   # PEM or PFX
        Credential(managed_identity="system")     # or "client-id:ID", "resource-id:ID", "object-id:ID"
        Credential.from_parameters("parameters.json")   # the quickstart's file
        Credential.default()                      # the chain, as --credential chain

    ``cache``: ``"memory"`` (default), ``"file"``, ``"file:PATH"`` or
    ``"redis://..."``: processes sharing a file or a Redis make one token
    request between them.
    """

    #: The parameters file's ``scope`` (``from_parameters``), else None.
    scopes: Optional[list] = None
    #: The parameters file's ``endpoint`` (``from_parameters``): :class:`Graph`'s default origin.
    endpoint: Optional[str] = None

    def __init__(
        self,
        *,
        client_id: Optional[str] = None,
        authority: Optional[str] = None,
        tenant_id: Optional[str] = None,
        secret: Optional[str] = None,
        certificate: Optional[str] = None,
        certificate_password: Optional[str] = None,
        client_assertion: Any = None,
        federated_token_file: Optional[str] = None,
        pkcs11_module: Optional[str] = None,
        pkcs11_token: Optional[str] = None,
        pkcs11_key: Optional[str] = None,
        pkcs11_pin: Optional[str] = None,
        managed_identity: Optional[str] = None,
        cache: Optional[str] = None,
        ca_file: Optional[str] = None,
        client_capabilities: Optional[Sequence[str]] = None,
        timeout: Optional[float] = None,
        instance_discovery: bool = True,
        send_x5c: bool = False,
    ) -> None:
        ca_files = [os.fspath(ca_file)] if ca_file is not None else []
        if managed_identity is not None:
            given = [client_id, authority, tenant_id, secret, certificate, client_assertion,
                     federated_token_file, pkcs11_module]
            if any(v is not None for v in given):
                raise ConfigurationError("managed_identity is a credential of its own: "
                                         "give no client_id, authority or app credential with it")
            self._tokens = _entrad.managed_identity_client(
                managed_identity, ca_files=ca_files, timeout=timeout, cache=cache)
            return
        if client_id is None:
            raise ConfigurationError("give client_id (the app's Application (client) ID), "
                                     "or managed_identity, or use Credential.default()")
        if authority is None:
            if tenant_id is None:
                raise ConfigurationError("give authority (https://login.microsoftonline.com/TENANT) or tenant_id")
            authority = _PUBLIC_CLOUD + tenant_id
        elif tenant_id is not None:
            raise ConfigurationError("give authority or tenant_id, not both")
        credential: Dict[str, Any] = {}
        if secret is not None:
            credential["secret"] = secret
        if certificate is not None:
            credential.update(_certificate(os.fspath(certificate), certificate_password))
        if client_assertion is not None:
            credential["client_assertion"] = client_assertion
        if federated_token_file is not None:
            credential["assertion_file"] = os.fspath(federated_token_file)
        if pkcs11_module is not None or pkcs11_key is not None:
            credential.update(pkcs11_module=pkcs11_module, pkcs11_key=pkcs11_key,
                              pkcs11_pin=pkcs11_pin, pkcs11_token=pkcs11_token)
        if len([k for k in ("secret", "pfx", "private_key", "client_assertion", "assertion_file", "pkcs11_module")
                if k in credential]) > 1:
            raise ConfigurationError("give one app credential: secret, certificate, client_assertion, "
                                     "federated_token_file or pkcs11_*")
        self._tokens = _entrad.confidential_client(
            client_id, authority, ca_files=ca_files, timeout=timeout,
            client_capabilities=list(client_capabilities or []),
            instance_discovery=instance_discovery, send_x5c=send_x5c, cache=cache, **credential)

    @classmethod
    def _of(cls, tokens: Any) -> "Credential":
        credential = cls.__new__(cls)
        credential._tokens = tokens
        return credential

    @classmethod
    def from_parameters(cls, path: "os.PathLike[str] | str", *, ca_file: Optional[str] = None,
                        cache: Optional[str] = None) -> "Credential":
        """The quickstart's parameters.json, checked as ``entrad run`` checks it:
        ``authority``, ``client_id`` and ``secret`` (or ``thumbprint`` and
        ``private_key_file``, or ``managed_identity``); ``cache`` and
        ``client_capabilities`` when present. ``cache`` given here wins over
        the file's; without either, tokens are kept in memory. The file's
        ``scope`` and ``endpoint`` are kept as :attr:`scopes` and :attr:`endpoint`.
        The environment (AZURE_*) is not read: the file says it all."""
        ca_files = [os.fspath(ca_file)] if ca_file is not None else []
        tokens, scopes, endpoint = _entrad.parameters_client(os.fspath(path), ca_files=ca_files, cache=cache)
        credential = cls._of(tokens)
        credential.scopes, credential.endpoint = scopes, endpoint
        return credential

    @classmethod
    def default(cls, *, ca_file: Optional[str] = None, cache: Optional[str] = None) -> "Credential":
        """azure-identity's chain for a daemon: the environment (AZURE_*),
        workload identity, managed identity, the Azure CLI; as ``--credential chain``."""
        ca_files = [os.fspath(ca_file)] if ca_file is not None else []
        return cls._of(_entrad.chain_client(ca_files=ca_files, cache=cache))

    def get_token(self, *scopes: str, claims: Optional[str] = None, tenant_id: Optional[str] = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        """azure-core's ``TokenCredential.get_token``. ``claims`` (a claims
        challenge) gets a new token; ``enable_cae`` is accepted (continuous
        access evaluation is the ``client_capabilities=["cp1"]`` option)."""
        if tenant_id is not None:
            _check_tenant(tenant_id)
        try:
            # azure-core's AccessToken, made by the native side: a cache hit runs no more Python.
            return self._tokens.access_token(scopes, claims, _token_types()[0])
        except EntradError as error:
            _raise_for_azure(error)
            raise

    def get_token_info(self, *scopes: str, options: Optional[Mapping[str, Any]] = None) -> AccessTokenInfo:
        """azure-core's ``SupportsTokenInfo.get_token_info``, with ``refresh_on``."""
        options = dict(options or {})
        _check_tenant(options.pop("tenant_id", None))
        token, token_type, expires_on, refresh_on, _ = self._token(_scopes(scopes), options.pop("claims", None))
        return _token_types()[1](token, expires_on, token_type=token_type, refresh_on=refresh_on)

    def _token(self, scopes: list, claims: Optional[str]) -> Tuple[str, str, int, Optional[int], bool]:
        try:
            return self._tokens.token(scopes, claims)
        except EntradError as error:
            _raise_for_azure(error)
            raise

    @property
    def token_requests(self) -> int:
        """Tokens this process asked the token service for (cache hits never count)."""
        return self._tokens.token_requests

    @property
    def source_name(self) -> str:
        """What serves the tokens, e.g. "client secret"."""
        return self._tokens.source_name

    def close(self) -> None:
        """Nothing to release: connections close with the process."""

    def __enter__(self) -> "Credential":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<entrad.Credential {}>".format(self._tokens.source_name)


def _origin(url: str) -> str:
    """scheme://host[:port]/ of `url` (a parameters file's Graph endpoint)."""
    scheme, _, rest = url.partition("://")
    return scheme + "://" + rest.split("/", 1)[0] + "/"


#: What urlencode(..., safe=_SAFE) leaves as it is: letters, digits, "_.-~" and _SAFE.
_SAFE = "$,'()"
_UNCHANGED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~" + _SAFE)


def _with_params(path_or_url: str, params: Optional[Mapping[str, Any]]) -> str:
    if not isinstance(path_or_url, str):
        raise TypeError("path_or_url must be a str, not {}".format(type(path_or_url).__name__))
    if not params:
        return path_or_url
    pairs = [(k, (",".join(v) if isinstance(v, (list, tuple)) else v)) for k, v in params.items()]
    # urlencode's answer, without importing urllib.parse when nothing needs escaping ($top=999).
    texts = [(str(k), str(v)) for k, v in pairs if not isinstance(k, bytes) and not isinstance(v, bytes)]
    if len(texts) == len(pairs) and all(_UNCHANGED.issuperset(k) and _UNCHANGED.issuperset(v) for k, v in texts):
        query = "&".join(k + "=" + v for k, v in texts)
    else:
        from urllib.parse import urlencode

        query = urlencode(pairs, safe=_SAFE)
    return path_or_url + ("&" if "?" in path_or_url else "?") + query


class Graph:
    """Microsoft Graph as the app, with a :class:`Credential`'s tokens:
    entrad-graph's origin rule (the token only goes to Graph's hosts and the
    base URL's origin), retries of 429/503/504 honouring Retry-After, and
    claims challenges answered with a new token."""

    def __init__(self, credential: Any, base_url: Optional[str] = None) -> None:
        tokens = getattr(credential, "_tokens", None)
        if not isinstance(tokens, _entrad.TokenClient):
            raise TypeError("Graph needs an entrad.Credential (or entrad.aio.Credential)")
        if base_url is None and getattr(credential, "endpoint", None):
            base_url = _origin(credential.endpoint)
        self._graph = _entrad.GraphClient(tokens, base_url)

    def items(self, path_or_url: str, params: Optional[Mapping[str, Any]] = None) -> Iterator[Dict[str, Any]]:
        """Every item of the collection at `path_or_url` (e.g. ``"v1.0/users"``),
        following ``@odata.nextLink``; memory holds a few pages at most.
        `params` become the query (``{"$select": ["id", "displayName"], "$top": 999}``)."""
        return self._graph.items(_with_params(path_or_url, params))

    def get(self, path_or_url: str, params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The JSON at `path_or_url` (one request)."""
        return self._graph.get(_with_params(path_or_url, params))

    def __repr__(self) -> str:
        return repr(self._graph)
