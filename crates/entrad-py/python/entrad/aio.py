"""entrad's asyncio twins: :class:`Credential` with azure-core's async
credential protocols (``AsyncTokenCredential``, ``AsyncSupportsTokenInfo``),
as msgraph-sdk's authentication provider takes it, and :class:`Graph`.

Nothing blocks the event loop: a token in the cache is answered at once; a
token request runs on entrad's runtime and hands its answer to the loop."""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import TYPE_CHECKING, Any, AsyncIterator, Dict, Mapping, Optional, Tuple

import entrad
from ._errors import EntradError
from ._tokens import types as _token_types

if TYPE_CHECKING:
    from azure.core.credentials import AccessToken, AccessTokenInfo

__all__ = ["Credential", "Graph"]

#: Items taken from the native iterator per hop to a worker thread.
_BATCH = 256


class Credential:
    """:class:`entrad.Credential` for asyncio: the same constructors
    (keywords, :meth:`from_parameters`, :meth:`default`), awaitable methods."""

    def __init__(self, **options: Any) -> None:
        self._of_sync(entrad.Credential(**options))

    def _of_sync(self, credential: "entrad.Credential") -> None:
        self._tokens = credential._tokens
        self.scopes, self.endpoint = credential.scopes, credential.endpoint

    @classmethod
    def from_parameters(cls, path: "os.PathLike[str] | str", *, ca_file: Optional[str] = None,
                        cache: Optional[str] = None) -> "Credential":
        """As :meth:`entrad.Credential.from_parameters`."""
        credential = cls.__new__(cls)
        credential._of_sync(entrad.Credential.from_parameters(path, ca_file=ca_file, cache=cache))
        return credential

    @classmethod
    def default(cls, *, ca_file: Optional[str] = None, cache: Optional[str] = None) -> "Credential":
        """As :meth:`entrad.Credential.default`: the credential chain."""
        credential = cls.__new__(cls)
        credential._of_sync(entrad.Credential.default(ca_file=ca_file, cache=cache))
        return credential

    async def get_token(self, *scopes: str, claims: Optional[str] = None, tenant_id: Optional[str] = None,
                        enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        """azure-core's ``AsyncTokenCredential.get_token``."""
        entrad._check_tenant(tenant_id)
        token, _, expires_on, _, _ = await self._token(entrad._scopes(scopes), claims)
        return _token_types()[0](token, expires_on)

    async def get_token_info(self, *scopes: str, options: Optional[Mapping[str, Any]] = None) -> AccessTokenInfo:
        """azure-core's ``AsyncSupportsTokenInfo.get_token_info``, with ``refresh_on``."""
        options = dict(options or {})
        entrad._check_tenant(options.pop("tenant_id", None))
        token, token_type, expires_on, refresh_on, _ = await self._token(
            entrad._scopes(scopes), options.pop("claims", None))
        return _token_types()[1](token, expires_on, token_type=token_type, refresh_on=refresh_on)

    async def _token(self, scopes: list, claims: Optional[str]) -> Tuple[str, str, int, Optional[int], bool]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._tokens.token_into(scopes, claims, loop, future)
        try:
            return await future
        except EntradError as error:
            entrad._raise_for_azure(error)
            raise

    @property
    def token_requests(self) -> int:
        """Tokens this process asked the token service for (cache hits never count)."""
        return self._tokens.token_requests

    async def close(self) -> None:
        """Nothing to release: connections close with the process."""

    async def __aenter__(self) -> "Credential":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return "<entrad.aio.Credential {}>".format(self._tokens.source_name)


class Graph:
    """:class:`entrad.Graph` for asyncio: each request waits in a worker
    thread (with the GIL released), never on the event loop."""

    def __init__(self, credential: Any, base_url: Optional[str] = None) -> None:
        self._graph = entrad.Graph(credential, base_url)

    async def items(self, path_or_url: str, params: Optional[Mapping[str, Any]] = None) -> AsyncIterator[Dict[str, Any]]:
        """Every item of the collection at `path_or_url`, page after page."""
        loop = asyncio.get_running_loop()
        items = self._graph.items(path_or_url, params)
        while True:
            # A batch per hop to the worker thread: a page's items at once, not one by one.
            batch = await loop.run_in_executor(None, lambda: list(itertools.islice(items, _BATCH)))
            if not batch:
                return
            for item in batch:
                yield item

    async def get(self, path_or_url: str, params: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The JSON at `path_or_url` (one request)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._graph.get, path_or_url, params)
