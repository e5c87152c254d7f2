"""One "host" of several sharing a token cache: an entrad.Credential from the
quickstart's parameters file, the cache named on the command line.

Usage: credential_host.py PARAMETERS_JSON CA_FILE CACHE

Prints "ready" once the credential is built, waits for a line on stdin, gets
a token, lists the users with it (entrad.Graph) and prints one JSON line: the
token's SHA-256, the token requests this process made and the users listed.
"""

import hashlib
import json
import sys

import entrad


def main():
    parameters, ca_file, cache = sys.argv[1:4]
    credential = entrad.Credential.from_parameters(parameters, ca_file=ca_file, cache=cache)
    print("ready", flush=True)
    sys.stdin.readline()
    token = credential.get_token(*credential.scopes).token
    users = sum(1 for _ in entrad.Graph(credential).items("v1.0/users", params={"$select": "id"}))
    print(json.dumps({
        "token": hashlib.sha256(token.encode()).hexdigest(),
        "token_requests": credential.token_requests,
        "users": users,
    }), flush=True)


if __name__ == "__main__":
    main()
