"""Drives real MSAL Python against the entrad emulator, as the quickstart daemon does.

Usage: msal_client.py PARAMETERS_JSON CA_PEM MODE [TOP]
MODE is "secret" (client_secret), "thumbprint" (private_key + SHA-1 thumbprint: RS256
with x5t), "public_certificate" (private_key + certificate: PS256 with x5t#S256 and
x5c), "pfx" (the state directory's app-cert.pfx and its password) or
"client_assertion" (the state directory's federated-token.jwt: workload identity), or
"cae" (client_secret with client_capabilities=["cp1"]: continuous access evaluation).
Prints one JSON object summarising what happened.
"""
import base64
import json
import os
import sys

import msal
import requests


def claims_of(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def main():
    parameters_file, ca_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    top = sys.argv[4] if len(sys.argv) > 4 else None
    config = json.load(open(parameters_file))
    session = requests.Session()
    # Otherwise REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE and proxy variables override ours.
    session.trust_env = False
    session.verify = ca_file
    if mode in ("secret", "cae"):
        credential = config["secret"]
    elif mode == "thumbprint":
        credential = {
            "private_key": open(config["private_key_file"]).read(),
            "thumbprint": config["thumbprint"],
        }
    elif mode == "public_certificate":
        credential = {
            "private_key": open(config["private_key_file"]).read(),
            "public_certificate": open(config["certificate_file"]).read(),
        }
    elif mode == "pfx":
        credential = {
            "private_key_pfx_path": os.path.join(os.path.dirname(parameters_file), "app-cert.pfx"),
            "passphrase": "entrad-emulator",
        }
    elif mode == "client_assertion":
        token_file = os.path.join(os.path.dirname(parameters_file), "federated-token.jwt")
        credential = {"client_assertion": open(token_file).read()}
    else:
        raise SystemExit("unknown mode " + mode)
    app = msal.ConfidentialClientApplication(
        config["client_id"],
        authority=config["authority"],
        client_credential=credential,
        instance_discovery=False,
        http_client=session,
        client_capabilities=["cp1"] if mode == "cae" else None,
    )
    result = app.acquire_token_for_client(scopes=config["scope"])
    summary = {"msal_version": msal.__version__, "mode": mode}
    if "access_token" not in result:
        summary.update(ok=False, error=result.get("error"),
                       error_codes=result.get("error_codes"),
                       error_description=result.get("error_description"))
        print(json.dumps(summary))
        return
    again = app.acquire_token_for_client(scopes=config["scope"])
    claims = claims_of(result["access_token"])
    summary.update(
        ok=True,
        token_source=result.get("token_source"),
        second_token_source=again.get("token_source"),
        expires_in=result.get("expires_in"),
        appidacr=claims.get("appidacr"),
        roles=claims.get("roles"),
        aud=claims.get("aud"),
        xms_cc=claims.get("xms_cc"),
    )
    url = config["endpoint"] + ("?$top=" + top if top else "")
    headers = {"Authorization": "Bearer " + result["access_token"]}
    ids, pages = [], 0
    while url:
        response = session.get(url, headers=headers)
        if response.status_code != 200:
            body = response.json()
            summary.update(graph_status=response.status_code,
                           graph_error=body.get("error", {}).get("code"),
                           graph_message=body.get("error", {}).get("message"))
            break
        body = response.json()
        pages += 1
        ids.extend(user["id"] for user in body["value"])
        url = body.get("@odata.nextLink")
    else:
        summary["graph_status"] = 200
    summary.update(users=len(ids), unique_users=len(set(ids)), pages=pages)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
