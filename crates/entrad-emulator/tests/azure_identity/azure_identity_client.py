"""Drives real azure-identity against the entrad emulator, as a daemon using the Azure SDK does.

Usage: azure_identity_client.py STATE_DIR AUTHORITY_HOST TENANT_ID CLIENT_ID CA_PEM MODE [TOP]
MODE is "secret" (ClientSecretCredential with parameters.json's secret), "certificate"
(CertificateCredential with app-key.pem + app-cert.pem as one PEM), "pfx"
(CertificateCredential with app-cert.pfx and its password) or "workload_identity"
(WorkloadIdentityCredential with federated-token.jwt). Lists every user, then every
group, with the token. Prints one JSON object.
"""
import base64
import json
import os
import sys

import azure.identity
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    WorkloadIdentityCredential,
)

SCOPE = "https://graph.microsoft.com/.default"
PFX_PASSWORD = "entrad-emulator"


def claims_of(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


def credential_for(mode, state_dir, authority, tenant_id, client_id, ca_file):
    # connection_verify reaches azure-core's RequestsTransport as `verify=`, and requests
    # only lets REQUESTS_CA_BUNDLE replace a verify of True/None, so the CA path wins.
    common = dict(authority=authority, disable_instance_discovery=True, connection_verify=ca_file)
    if mode == "secret":
        parameters = json.load(open(os.path.join(state_dir, "parameters.json")))
        return ClientSecretCredential(tenant_id, client_id, parameters["secret"], **common)
    if mode == "certificate":
        combined = os.path.join(state_dir, "app-combined.pem")
        with open(combined, "wb") as out:
            for name in ("app-key.pem", "app-cert.pem"):
                out.write(open(os.path.join(state_dir, name), "rb").read())
        return CertificateCredential(tenant_id, client_id, combined, **common)
    if mode == "pfx":
        return CertificateCredential(
            tenant_id, client_id, os.path.join(state_dir, "app-cert.pfx"),
            password=PFX_PASSWORD, **common)
    if mode == "workload_identity":
        return WorkloadIdentityCredential(
            tenant_id=tenant_id, client_id=client_id,
            token_file_path=os.path.join(state_dir, "federated-token.jwt"), **common)
    raise SystemExit("unknown mode " + mode)


def list_all(url, token, ca_file, summary):
    """Follows nextLinks from url; puts the status, the ids' count and the pages in summary."""
    session = requests.Session()
    # Otherwise REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE and proxy variables override ours.
    session.trust_env = False
    session.verify = ca_file
    headers = {"Authorization": "Bearer " + token}
    ids, pages = [], 0
    while url:
        response = session.get(url, headers=headers)
        if response.status_code != 200:
            summary["graph_status"] = response.status_code
            break
        body = response.json()
        pages += 1
        ids.extend(user["id"] for user in body["value"])
        url = body.get("@odata.nextLink")
    else:
        summary["graph_status"] = 200
    summary.update(users=len(ids), unique_users=len(set(ids)), pages=pages)


def main():
    state_dir, authority, tenant_id, client_id, ca_file, mode = sys.argv[1:7]
    top = sys.argv[7] if len(sys.argv) > 7 else None
    summary = {"azure_identity_version": azure.identity.__version__, "mode": mode}
    credential = credential_for(mode, state_dir, authority, tenant_id, client_id, ca_file)
    try:
        token = credential.get_token(SCOPE)
    except ClientAuthenticationError as error:
        summary.update(ok=False, error=str(error.message).splitlines()[0][:300])
        print(json.dumps(summary))
        return
    again = credential.get_token(SCOPE)
    claims = claims_of(token.token)
    summary.update(
        ok=True,
        cached=again.token == token.token,
        expires_on=token.expires_on,
        appidacr=claims.get("appidacr"),
        roles=claims.get("roles"),
        aud=claims.get("aud"),
        tid=claims.get("tid"),
    )
    list_all(authority + "/v1.0/users" + ("?$top=" + top if top else ""), token.token, ca_file, summary)
    groups = {}
    list_all(authority + "/v1.0/groups", token.token, ca_file, groups)
    summary.update(groups_status=groups["graph_status"], groups=groups["users"])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
