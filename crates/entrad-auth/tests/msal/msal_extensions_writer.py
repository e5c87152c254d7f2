"""msal-extensions persisting a token cache file that entrad processes write too.

Usage: msal_extensions_writer.py CACHE_FILE LOCK_MODE COUNT PREFIX
LOCK_MODE "portalocker": msal-extensions' cache_lock.py (exclusive creation of
CACHE_FILE.lockfile, then a portalocker flock on it), what it uses when
portalocker is installed; "filelock": its filelock.py (exclusive creation
only), what it falls back to without portalocker.
Adds COUNT app tokens, for client ids PREFIX-0 .. PREFIX-(COUNT-1), through
PersistedTokenCache(FilePersistence(CACHE_FILE)) as an MSAL app does after each
acquire_token_for_client, searching the cache (its lock-free read) after each.
Prints one JSON line: the lock module used, the msal-extensions version, how
many entries it wrote and how many of its own it found back.
"""
import json
import sys


def main():
    cache_file, mode, count, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == "filelock":
        # msal_extensions.token_cache imports portalocker and falls back on ImportError.
        sys.modules["portalocker"] = None
    elif mode != "portalocker":
        raise SystemExit("unknown lock mode " + mode)
    import msal
    import msal_extensions
    from msal_extensions import FilePersistence, PersistedTokenCache, token_cache

    cache = PersistedTokenCache(FilePersistence(cache_file))
    found = 0
    for i in range(count):
        client_id = "{}-{}".format(prefix, i)
        cache.add({
            "client_id": client_id,
            "scope": ["https://graph.microsoft.com/.default"],
            "token_endpoint": "https://login.microsoftonline.com/tenant/oauth2/v2.0/token",
            "grant_type": "client_credentials",
            "response": {"access_token": "at-" + client_id, "expires_in": 3600,
                         "token_type": "Bearer"},
        })
        hits = cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN,
                            query={"client_id": client_id})
        found += len(list(hits))
    print(json.dumps({
        "lock": token_cache.CrossPlatLock.__module__,
        "msal_extensions_version": msal_extensions.__version__,
        "written": count,
        "found": found,
    }))


if __name__ == "__main__":
    main()
