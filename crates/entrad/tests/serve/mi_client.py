"""Real managed identity clients against `entrad serve`, driven by tests/serve.rs.

Usage: python mi_client.py MODE GRAPH_URL CA_FILE
MODE: "azure-identity" (ManagedIdentityCredential: the App Service form when
IDENTITY_ENDPOINT/IDENTITY_HEADER are set, the IMDS form with
AZURE_POD_IDENTITY_AUTHORITY_HOST) or "msal" (MSAL's ManagedIdentityClient).
Gets a token for Graph, lists users with it, prints one JSON line (never the token).
"""
import json
import sys

import requests


def token(mode):
    if mode == "azure-identity":
        from azure.identity import ManagedIdentityCredential

        credential = ManagedIdentityCredential()
        return credential.get_token("https://graph.microsoft.com/.default").token
    if mode == "msal":
        import msal

        client = msal.ManagedIdentityClient(
            msal.SystemAssignedManagedIdentity(), http_client=requests.Session()
        )
        result = client.acquire_token_for_client(resource="https://graph.microsoft.com")
        if "access_token" not in result:
            raise SystemExit("msal: " + json.dumps(result))
        return result["access_token"]
    raise SystemExit("unknown mode " + mode)


def main():
    mode, graph, ca_file = sys.argv[1:4]
    access_token = token(mode)
    response = requests.get(
        graph.rstrip("/") + "/v1.0/users",
        headers={"Authorization": "Bearer " + access_token},
        verify=ca_file,
        timeout=30,
    )
    response.raise_for_status()
    print(json.dumps({"users": len(response.json()["value"])}))


if __name__ == "__main__":
    main()
