"""Real MSAL Python sharing a token cache file with entrad, against the emulator.

Usage: msal_cache.py PARAMETERS_JSON CA_PEM CACHE_FILE MODE
MODE "read": load CACHE_FILE into a SerializableTokenCache (as MSAL's own
persistence recipe does), acquire the app token, leave the file alone.
MODE "write": acquire the app token with an empty cache and write the
serialized cache to CACHE_FILE (the recipe's atexit step).
Prints one JSON object; the token itself only as its SHA-256, never in clear.
"""
import hashlib
import json
import sys

import msal
import requests


def main():
    parameters_file, ca_file, cache_file, mode = sys.argv[1:5]
    config = json.load(open(parameters_file))
    cache = msal.SerializableTokenCache()
    if mode == "read":
        cache.deserialize(open(cache_file).read())
    elif mode != "write":
        raise SystemExit("unknown mode " + mode)
    session = requests.Session()
    # Otherwise REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE and proxy variables override ours.
    session.trust_env = False
    session.verify = ca_file
    app = msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=config["secret"],
        token_cache=cache,
        instance_discovery=False,
        http_client=session,
    )
    result = app.acquire_token_for_client(scopes=config["scope"])
    if "access_token" not in result:
        print(json.dumps({"ok": False, "error": result.get("error"),
                          "error_description": result.get("error_description")}))
        return
    if mode == "write":
        open(cache_file, "w").write(cache.serialize())
    print(json.dumps({
        "ok": True,
        "msal_version": msal.__version__,
        "token_source": result.get("token_source"),
        "token_sha256": hashlib.sha256(result["access_token"].encode()).hexdigest(),
        "expires_in": result.get("expires_in"),
    }))


if __name__ == "__main__":
    main()
