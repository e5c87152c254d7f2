"""MSAL Python's ConfidentialClientApplication on entrad's engine.

The quickstart's code runs with one line changed, ``import msal`` ->
``from entrad import msal``: the same constructor arguments, the same methods
and the same result dicts, with entrad's caches (shared by processes through a
file, by hosts through Redis, one token request between them), its retries and
its proactive refresh underneath.

What differs, on purpose:

* Instance discovery (on by default, as in MSAL) is asked of the authority's
  own host, not of login.microsoftonline.com: the same answer for Microsoft's
  hosts, and a private authority (the entrad emulator) answers it itself.
* TLS is always verified. The roots are the system's plus, as a requests-based
  MSAL app gets them, ``verify=`` when it is a path, else ``REQUESTS_CA_BUNDLE``,
  ``CURL_CA_BUNDLE`` or ``SSL_CERT_FILE``; ``verify=False`` is refused.
* ``token_cache``: ``None`` (memory), an msal-extensions ``PersistedTokenCache``
  over a plain file (entrad shares that file with MSAL apps, in MSAL's format
  and lock protocol), or an entrad cache name (``"memory"``, ``"file:PATH"``,
  ``"redis://..."``). MSAL's own in-memory TokenCache objects are refused:
  entrad cannot fill them.
* Options entrad does not implement (``azure_region``, ``http_client``,
  ``proxies``, ``client_claims``, brokers, ...) raise instead of being ignored.
* A client credential that cannot be used (a key that does not parse) raises
  ``entrad.ConfigurationError`` (a ValueError) when the app is built, not at
  the first token request.
"""

from __future__ import annotations

import os

from . import _entrad

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported at run time: see entrad/__init__.py
    from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = ["ConfidentialClientApplication"]

_FORMAT = ("client_credential needs to follow this format "
           "https://msal-python.readthedocs.io/en/latest/#msal.ClientApplication.params.client_credential")

# MSAL's keyword options entrad does not implement, and why: giving one fails.
_REFUSED = {
    "azure_region": "it selects Entra's regional endpoints, which serve Microsoft's "
                    "first-party apps only; leave it unset",
    "http_client": "entrad makes its own requests: give verify= and timeout= instead",
    "proxies": "entrad does not route through proxies",
    "client_claims": "entrad does not sign extra claims into the client assertion",
    "exclude_scopes": "client credentials send only the scopes given",
    "http_cache": "entrad keeps discovery in memory and tokens in its token cache",
    "allow_broker": "brokers sign users in, which a confidential client does not",
    "oidc_authority": "give the issuer as authority",
}


def _ca_files(verify: Any) -> List[str]:
    """The CA bundle requests would use, as files entrad trusts too."""
    if verify is False:
        raise ValueError("verify=False: entrad always verifies TLS; give the CA bundle's path instead")
    if isinstance(verify, (str, os.PathLike)):
        return [os.fspath(verify)]
    if verify is not True and verify is not None:
        raise TypeError("verify must be True or a CA bundle's path, not {}".format(type(verify).__name__))
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(name):
            return [os.environ[name]]
    return []


def _timeouts(timeout: Any) -> Tuple[Optional[float], Optional[float]]:
    """requests' timeout: seconds, or (connect, read): (timeout, connect_timeout)."""
    if timeout is None:
        return None, None
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
        return (None if read is None else _number(read)), (None if connect is None else _number(connect))
    return _number(timeout), None


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError("timeout must be a number of seconds or a (connect, read) pair")
    return float(value)


def _cache(token_cache: Any) -> Optional[str]:
    """entrad's cache name for MSAL's `token_cache`."""
    if token_cache is None:
        return None
    if isinstance(token_cache, str):
        return token_cache
    persistence = getattr(token_cache, "_persistence", None)
    if persistence is not None and hasattr(persistence, "get_location"):
        if getattr(persistence, "is_encrypted", False):
            raise NotImplementedError(
                "token_cache: an encrypted msal-extensions persistence is not supported; "
                "use a FilePersistence, or a Redis cache with ENTRAD_CACHE_KEY")
        return "file:" + persistence.get_location()
    raise NotImplementedError(
        "token_cache: entrad keeps tokens in its own stores; give None (memory), an "
        "msal_extensions.PersistedTokenCache(FilePersistence(path)), or 'file:PATH' / 'redis://...'")


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _credential(client_credential: Any) -> Dict[str, Any]:
    """MSAL's `client_credential` as the native constructor's keywords."""
    if isinstance(client_credential, str):
        return {"secret": client_credential}
    if not isinstance(client_credential, dict):
        raise ValueError(_FORMAT)
    if "client_assertion" in client_credential:
        return {"client_assertion": client_credential["client_assertion"]}
    public = client_credential.get("public_certificate")
    if "private_key_pfx_path" in client_credential:
        passphrase = client_credential.get("passphrase")
        if isinstance(passphrase, bytes):
            passphrase = passphrase.decode("utf-8")
        return {"pfx": _read(client_credential["private_key_pfx_path"]),
                "passphrase": passphrase, "send_x5c": public is True}
    key = client_credential.get("private_key")
    if key is None or not (client_credential.get("thumbprint") or isinstance(public, str)):
        raise ValueError(_FORMAT)
    if client_credential.get("passphrase"):
        raise NotImplementedError(
            "an encrypted private key (passphrase) is not supported: give the key unencrypted, "
            "or a PFX with private_key_pfx_path and passphrase")
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(public, str):
        return {"private_key": key, "certificate": public.encode("utf-8"), "send_x5c": True}
    return {"private_key": key, "thumbprint": client_credential["thumbprint"]}


class ConfidentialClientApplication(_entrad.MsalClient):
    """MSAL's ConfidentialClientApplication for the client credentials flow
    (a daemon acting as itself), on entrad's engine.

    The token methods (``acquire_token_for_client``, ``acquire_token_silent``,
    ``remove_tokens_for_client``) are the native base class's: a cache hit is
    one native call, with MSAL's argument checks and result dicts made there."""

    def __init__(
        self,
        client_id: str,
        client_credential: Union[str, Dict[str, Any], None] = None,
        authority: Optional[str] = None,
        validate_authority: bool = True,
        token_cache: Any = None,
        http_client: Any = None,
        verify: Union[bool, str] = True,
        proxies: Any = None,
        timeout: Union[float, Tuple[float, float], None] = None,
        client_claims: Any = None,
        app_name: Optional[str] = None,
        app_version: Optional[str] = None,
        client_capabilities: Optional[Sequence[str]] = None,
        azure_region: Optional[str] = None,
        exclude_scopes: Any = None,
        http_cache: Any = None,
        instance_discovery: Optional[bool] = None,
        allow_broker: Any = None,
        enable_pii_log: Optional[bool] = None,
        oidc_authority: Optional[str] = None,
    ) -> None:
        given = {"azure_region": azure_region, "http_client": http_client, "proxies": proxies,
                 "client_claims": client_claims, "exclude_scopes": exclude_scopes,
                 "http_cache": http_cache, "allow_broker": allow_broker,
                 "oidc_authority": oidc_authority}
        for name, value in given.items():
            if value is not None:
                error = ValueError if name == "azure_region" else NotImplementedError
                raise error("{} is not supported by entrad.msal: {}".format(name, _REFUSED[name]))
        if validate_authority is False:
            raise NotImplementedError("validate_authority=False: use instance_discovery=False")
        if not isinstance(client_id, str):
            raise TypeError("client_id must be a str, not {}".format(type(client_id).__name__))
        if authority is None:
            authority = "https://login.microsoftonline.com/common"
        if not isinstance(authority, str):
            raise TypeError("authority must be a str, not {}".format(type(authority).__name__))
        if client_capabilities is None:
            client_capabilities = []
        if isinstance(client_capabilities, str) or not all(isinstance(c, str) for c in client_capabilities):
            raise TypeError("client_capabilities must be a list of str, such as [\"cp1\"]")
        read, connect = _timeouts(timeout)
        self.client_id = client_id
        self.authority = authority
        self._tokens = _entrad.confidential_client(
            client_id, authority, ca_files=_ca_files(verify), timeout=read, connect_timeout=connect,
            client_capabilities=list(client_capabilities),
            instance_discovery=instance_discovery is not False, cache=_cache(token_cache),
            **_credential(client_credential))

    def get_accounts(self, username: Optional[str] = None) -> List[Dict[str, Any]]:
        """No accounts: the client credentials flow signs in no user."""
        return []

    def __repr__(self) -> str:
        return "<entrad.msal.ConfidentialClientApplication client_id={!r} authority={!r}>".format(
            self.client_id, self.authority)

