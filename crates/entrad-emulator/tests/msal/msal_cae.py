"""Drives real MSAL Python through a CAE claims challenge from the entrad emulator.

Usage: msal_cae.py PARAMETERS_JSON CA_PEM
With client_capabilities=["cp1"]: gets a token and lists the first page of users, prints
"ready" and waits for a line on stdin (the test records a CAE event meanwhile), then
lists again: Graph answers 401 with a claims challenge in WWW-Authenticate, whose claims
go to acquire_token_for_client(claims_challenge=...) as Microsoft's CAE guide shows, and
the request is sent once more. Prints one JSON object summarising what happened.
"""
import base64
import json
import re
import sys

import msal
import requests


def claims_of(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def challenge_of(response):
    header = response.headers.get("WWW-Authenticate", "")
    if 'error="insufficient_claims"' not in header:
        return None
    match = re.search(r'claims="([^"]+)"', header)
    return base64.b64decode(match.group(1)).decode() if match else None


def main():
    parameters_file, ca_file = sys.argv[1], sys.argv[2]
    config = json.load(open(parameters_file))
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_file
    app = msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=config["secret"],
        instance_discovery=False,
        http_client=session,
        client_capabilities=["cp1"],
    )
    scopes = config["scope"]
    first = app.acquire_token_for_client(scopes=scopes)
    url = config["endpoint"] + "?$top=5"

    def get(token):
        return session.get(url, headers={"Authorization": "Bearer " + token})

    before = get(first["access_token"]).status_code
    print("ready", flush=True)
    sys.stdin.readline()
    challenged = get(first["access_token"])
    claims = challenge_of(challenged)
    summary = {"ok": True, "before": before, "challenged_status": challenged.status_code,
               "challenge": json.loads(claims) if claims else None,
               "graph_code": challenged.json().get("error", {}).get("message")}
    if claims:
        second = app.acquire_token_for_client(scopes=scopes, claims_challenge=claims)
        summary.update(
            second_token_source=second.get("token_source"),
            second_xms_cc=claims_of(second["access_token"]).get("xms_cc"),
            retried_status=get(second["access_token"]).status_code,
            new_token=second["access_token"] != first["access_token"],
        )
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
