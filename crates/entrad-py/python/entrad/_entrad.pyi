"""Type stubs of the native module (entrad-py, Rust)."""

import asyncio
from os import PathLike
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Type, TypeVar, Union

__version__: str
#: "release", or "debug" for a build with debug assertions (the dev profile).
__build__: str

_Path = Union[str, "PathLike[str]"]
#: (token, token_type, expires_on, refresh_on, from_cache); times in Unix seconds.
_Token = Tuple[str, str, int, Optional[int], bool]
#: A NamedTuple of (token, expires_on), such as azure-core's AccessToken.
_T = TypeVar("_T", bound=Tuple[str, int])

class TokenClient:
    @property
    def token_requests(self) -> int: ...
    @property
    def source_name(self) -> str: ...
    def token(self, scopes: Sequence[str], claims: Optional[str] = None) -> _Token: ...
    def access_token(self, scopes: Sequence[str], claims: Optional[str], cls: Type[_T]) -> _T: ...
    def token_into(self, scopes: List[str], claims: Optional[str], event_loop: asyncio.AbstractEventLoop,
                   future: "asyncio.Future[_Token]") -> None: ...
    def forget(self, scopes: List[str]) -> None: ...

class MsalClient:
    """The native base of entrad.msal.ConfidentialClientApplication: MSAL's token methods."""
    _tokens: TokenClient
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    def acquire_token_for_client(self, scopes: List[str], claims_challenge: Optional[str] = None,
                                 **kwargs: Any) -> Dict[str, Any]: ...
    def acquire_token_silent(self, scopes: List[str], account: Optional[Dict[str, Any]],
                             **kwargs: Any) -> Optional[Dict[str, Any]]: ...
    def acquire_token_silent_with_error(self, scopes: List[str], account: Optional[Dict[str, Any]],
                                        **kwargs: Any) -> Optional[Dict[str, Any]]: ...
    def remove_tokens_for_client(self) -> None: ...

class Items(Iterator[Any]):
    def __iter__(self) -> "Items": ...
    def __next__(self) -> Any: ...

class GraphClient:
    def __init__(self, tokens: TokenClient, base_url: Optional[str] = None) -> None: ...
    def get(self, path_or_url: str) -> Any: ...
    def items(self, path_or_url: str) -> Items: ...

def confidential_client(
    client_id: str,
    authority: str,
    *,
    secret: Optional[str] = None,
    private_key: Optional[bytes] = None,
    thumbprint: Optional[str] = None,
    certificate: Optional[bytes] = None,
    pfx: Optional[bytes] = None,
    passphrase: Optional[str] = None,
    client_assertion: Union[str, Callable[[], str], None] = None,
    assertion_file: Optional[_Path] = None,
    pkcs11_module: Optional[_Path] = None,
    pkcs11_key: Optional[str] = None,
    pkcs11_pin: Optional[str] = None,
    pkcs11_token: Optional[str] = None,
    send_x5c: bool = False,
    ca_files: Sequence[_Path] = ...,
    timeout: Optional[float] = None,
    connect_timeout: Optional[float] = None,
    client_capabilities: Sequence[str] = ...,
    instance_discovery: bool = True,
    cache: Optional[str] = None,
) -> TokenClient: ...
def managed_identity_client(identity: str, *, ca_files: Sequence[_Path] = ..., timeout: Optional[float] = None,
                            cache: Optional[str] = None) -> TokenClient: ...
def chain_client(*, ca_files: Sequence[_Path] = ..., cache: Optional[str] = None) -> TokenClient: ...
def parameters_client(path: _Path, *, ca_files: Sequence[_Path] = ...,
                      cache: Optional[str] = None) -> Tuple[TokenClient, Optional[List[str]], Optional[str]]: ...
