"""One process of a herd sharing an msal-extensions token cache file.

Usage: msal_herd.py entrad|msal PARAMETERS_JSON CACHE_FILE

The same MSAL code with either `from entrad import msal` or MSAL Python itself,
its cache a `PersistedTokenCache(FilePersistence(CACHE_FILE))`. It prints
"ready" once the app is built, waits for a line on stdin, gets the app's token
and prints one JSON line: `token_source` and the token's SHA-256.

With MSAL Python, the request to the token endpoint goes through an
`http_client` that prints "asking" and waits for another line on stdin before
sending it: the test releases the requests once every process has either
asked or found the token in the file, so the processes are at once whatever
the machine's load.
"""

import hashlib
import json
import sys

import requests
from msal_extensions import FilePersistence, PersistedTokenCache


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class GatedSession(requests.Session):
    """requests, holding each token request until the test says go."""

    def post(self, url, *args, **kwargs):
        say("asking")
        sys.stdin.readline()
        return super().post(url, *args, **kwargs)


def main():
    which, parameters, cache_file = sys.argv[1:4]
    config = json.load(open(parameters))
    options = {}
    if which == "entrad":
        from entrad import msal
    else:
        import msal
        # MSAL Python asks login.microsoftonline.com for instance discovery.
        options = {"instance_discovery": False, "http_client": GatedSession()}
    app = msal.ConfidentialClientApplication(
        config["client_id"], authority=config["authority"], client_credential=config["secret"],
        token_cache=PersistedTokenCache(FilePersistence(cache_file)), **options)
    say("ready")
    sys.stdin.readline()
    result = app.acquire_token_for_client(scopes=config["scope"])
    token = result.get("access_token")
    say(json.dumps({
        "token_source": result.get("token_source"),
        "token": token and hashlib.sha256(token.encode()).hexdigest(),
        "error": result.get("error_description"),
    }))


if __name__ == "__main__":
    main()
