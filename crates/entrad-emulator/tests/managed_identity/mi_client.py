"""Gets a managed identity token from the entrad emulator with a real client
and lists users with it.

Usage: mi_client.py CLIENT SOURCE IDENTITY STATE_DIR GRAPH_URL CA_FILE
  CLIENT:   msal | azure-identity
  SOURCE:   imds | app-service | arc | service-fabric | machine-learning
  IDENTITY: system | client-id:ID | resource-id:ID | object-id:ID
The source's environment is read from STATE_DIR/mi-SOURCE.env. Prints one
JSON line: {"appid", "oid", "users", "source"}.
"""
import base64
import json
import os
import ssl
import sys
import urllib.request

client_kind, source, identity, state_dir, graph_url, ca_file = sys.argv[1:7]

with open(os.path.join(state_dir, "mi-%s.env" % source)) as f:
    for line in f:
        name, _, value = line.strip().partition("=")
        if name:
            os.environ[name] = value

RESOURCE = "https://graph.microsoft.com"
kind, _, ident = identity.partition(":")

if client_kind == "msal":
    import msal
    import msal.managed_identity as mi

    key_dir = os.environ.get("ENTRAD_AZURE_ARC_KEY_DIR")
    if source == "arc" and key_dir != mi._supported_arc_platforms_and_their_prefixes[sys.platform]:
        # MSAL reads Arc's key file from the agent's own directory only; an
        # emulator started without --arc-key-dir writes it into its state dir.
        mi._supported_arc_platforms_and_their_prefixes[sys.platform] = key_dir
    if kind == "system":
        managed = msal.SystemAssignedManagedIdentity()
    else:
        managed = msal.UserAssignedManagedIdentity(
            **{kind.replace("-", "_"): ident}
        )
    import requests

    client = msal.ManagedIdentityClient(managed, http_client=requests.Session())
    names = {
        mi.APP_SERVICE: "app-service",
        mi.AZURE_ARC: "arc",
        mi.MACHINE_LEARNING: "machine-learning",
        mi.SERVICE_FABRIC: "service-fabric",
        mi.DEFAULT_TO_VM: "imds",
    }
    detected = names.get(mi.get_managed_identity_source(), "other")
    result = client.acquire_token_for_client(resource=RESOURCE)
    if "access_token" not in result:
        print(json.dumps({"error": result}))
        sys.exit(1)
    token = result["access_token"]
    again = client.acquire_token_for_client(resource=RESOURCE)
    cached = again.get("token_source") == "cache"
else:
    from azure.identity import ManagedIdentityCredential

    kwargs = {}
    if kind == "client-id":
        kwargs["client_id"] = ident
    elif kind == "resource-id":
        kwargs["identity_config"] = {"resource_id": ident}
    elif kind == "object-id":
        kwargs["identity_config"] = {"object_id": ident}
    credential = ManagedIdentityCredential(**kwargs)
    token = credential.get_token(RESOURCE + "/.default").token
    detected = type(credential._credential).__name__
    cached = None

payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
context = ssl.create_default_context(cafile=ca_file)
request = urllib.request.Request(
    graph_url + "/v1.0/users?$select=id,userPrincipalName",
    headers={"Authorization": "Bearer " + token},
)
with urllib.request.urlopen(request, context=context) as response:
    users = json.load(response)["value"]
print(
    json.dumps(
        {
            "appid": claims.get("appid"),
            "oid": claims.get("oid"),
            "users": len(users),
            "source": str(detected),
            "cached": cached,
        }
    )
)
