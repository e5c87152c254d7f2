"""Microsoft's app-only Python tutorial, "List users in Python apps using Microsoft Graph"
(msgraph-sdk with azure-identity's aio ClientSecretCredential), run against the entrad
emulator, followed by what else an SDK user does: PageIterator over every user, get by id,
the SDK's delta request builder, $count, a batch of GETs and the retry handler.

Usage: msgraph_tutorial.py STATE_DIR BASE_URL TENANT_ID CLIENT_ID CA_PEM
The admin token (for the changes between delta rounds and the injected 429s) comes in
ENTRAD_ADMIN_TOKEN. Prints one JSON object.

Only what the tutorial asks a user to change for another cloud is changed: the authority
host, the Graph base URL, the allowed hosts, the scope and the CA. Two workarounds are for
defects of the SDK itself, not of the emulator (each is marked SDK DEFECT below).
"""
import asyncio
import json
import os
import ssl
import sys
from urllib.parse import urlparse

import httpx
import requests
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.user import User
from msgraph.generated.models.user_collection_response import UserCollectionResponse
from msgraph.generated.users.count.count_request_builder import CountRequestBuilder
from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import AzureIdentityAuthenticationProvider, GraphClientFactory, PageIterator
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_item import BatchRequestItem
from kiota_abstractions.request_information import RequestInformation
from kiota_abstractions.method import Method

SCOPE = "https://graph.microsoft.com/.default"


class Graph:
    """The tutorial's Graph class (graph.py), with the emulator's hosts and CA."""

    def __init__(self, settings, base_url, ca_file):
        # The tutorial: ClientSecretCredential(tenant_id, client_id, client_secret).
        self.client_credential = ClientSecretCredential(
            settings["tenantId"], settings["clientId"], settings["clientSecret"],
            authority=base_url, disable_instance_discovery=True, connection_verify=ca_file)
        # SDK DEFECT: msgraph-core 1.5.2's AzureIdentityAuthenticationProvider defaults
        # allowed_hosts to its NationalClouds values, which carry "https://"; kiota-abstractions
        # 1.16's AllowedHostsValidator raises ValueError on such a prefix, so the default can
        # never be used. The emulator's host name is passed instead (as for any other cloud).
        auth = AzureIdentityAuthenticationProvider(
            self.client_credential, scopes=[SCOPE], allowed_hosts=[urlparse(base_url).hostname])
        tls = ssl.create_default_context(cafile=ca_file)
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(base_url=base_url + "/v1.0", verify=tls, trust_env=False))
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = base_url + "/v1.0"
        self.app_client = GraphServiceClient(request_adapter=adapter)

    async def get_app_only_token(self):
        access_token = await self.client_credential.get_token(SCOPE)
        return access_token.token

    async def get_users(self):
        # The tutorial's query, unchanged.
        query_params = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            select=["displayName", "id", "mail"],
            top=25,
            orderby=["displayName"],
        )
        request_config = UsersRequestBuilder.UsersRequestBuilderGetRequestConfiguration(
            query_parameters=query_params
        )
        return await self.app_client.users.get(request_configuration=request_config)


class Admin:
    """The emulator's admin API (test set-up only: not part of the tutorial)."""

    def __init__(self, base_url, ca_file):
        self.base = base_url + "/_emulator"
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = ca_file
        self.session.headers["Authorization"] = "Bearer " + os.environ["ENTRAD_ADMIN_TOKEN"]

    def call(self, method, path, body=None):
        response = self.session.request(method, self.base + path, json=body)
        response.raise_for_status()
        return response.json() if response.content else None


async def tutorial(graph, summary):
    """main.py's list_users: the first 25 users by displayName."""
    users_page = await graph.get_users()
    names = [user.display_name for user in users_page.value]
    summary["tutorial"] = {
        "names": names,
        "mail_set": all(user.mail for user in users_page.value),
        "more_available": users_page.odata_next_link is not None,
    }


async def every_user(graph, summary):
    """PageIterator over every user, sorted by displayName, 50 a page."""
    config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        select=["id", "displayName"], top=50, orderby=["displayName"]))
    first = await graph.app_client.users.get(request_configuration=config)
    seen = []
    pages = PageIterator(first, graph.app_client.request_adapter)

    def take(user):
        seen.append((user.display_name or "", user.id))
        return True

    await pages.iterate(take)
    ids = [i for _, i in seen]
    summary["iterator"] = {
        "users": len(ids),
        "unique_users": len(set(ids)),
        "sorted": [n.lower() for n, _ in seen] == sorted(n.lower() for n, _ in seen),
    }
    return ids


async def get_by_id(graph, user_id, summary):
    user = await graph.app_client.users.by_user_id(user_id).get()
    summary["get_by_id"] = {"id": user.id, "display_name": user.display_name}


async def delta_round(graph, builder_call):
    """One delta round through the SDK's builders: pages until the deltaLink."""
    page = await builder_call()
    changed, removed, pages = [], [], 1
    while True:
        for user in page.value or []:
            if user.additional_data.get("@removed") is not None:
                removed.append(user.id)
            else:
                changed.append(user.id)
        if page.odata_next_link:
            page = await graph.app_client.users.delta.with_url(page.odata_next_link).get()
            pages += 1
        else:
            return changed, removed, pages, page.odata_delta_link


async def delta(graph, admin, summary):
    config = RequestConfiguration(query_parameters=DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(
        select=["id", "displayName"], top=40))
    changed, removed, pages, link = await delta_round(
        graph, lambda: graph.app_client.users.delta.get(request_configuration=config))
    summary["delta_initial"] = {
        "users": len(changed), "unique_users": len(set(changed)), "removed": len(removed),
        "pages": pages, "delta_link": link}
    added_ids = [
        admin.call("POST", "/users", {"userPrincipalName": upn, "displayName": upn})["id"]
        for upn in ("new.one@contoso.com", "new.two@contoso.com")]
    renamed, gone = changed[0], changed[1]
    admin.call("PATCH", "/users/" + renamed, {"displayName": "Renamed By The Admin"})
    admin.call("DELETE", "/users/" + gone)
    changed, removed, pages, link = await delta_round(
        graph, lambda: graph.app_client.users.delta.with_url(link).get())
    summary["delta_incremental"] = {
        "changed": sorted(changed), "removed": removed, "delta_link": link,
        "expected_changed": sorted(added_ids + [renamed]), "expected_removed": [gone]}


async def count(graph, summary):
    config = RequestConfiguration(
        query_parameters=CountRequestBuilder.CountRequestBuilderGetQueryParameters())
    config.headers.add("ConsistencyLevel", "eventual")
    raw = await graph.app_client.users.count.get(request_configuration=config)
    listed = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        count=True, top=1, select=["id"]))
    listed.headers.add("ConsistencyLevel", "eventual")
    page = await graph.app_client.users.get(request_configuration=listed)
    summary["count"] = {"segment": raw, "odata_count": page.odata_count}


async def batch(graph, ids, summary):
    items = []
    for user_id in ids[:3]:
        info = RequestInformation()
        info.http_method = Method.GET
        info.url = graph.app_client.request_adapter.base_url + "/users/" + user_id
        items.append(BatchRequestItem(request_information=info))
    content = BatchRequestContent({item.id: item for item in items})
    response = await graph.app_client.batch.post(content)
    statuses = response.get_response_status_codes()
    # SDK DEFECT: msgraph-core 1.5.2's BatchResponseItem reads each "body" with
    # get_bytes_value(), which kiota's JSON parse node answers only for a base64 string:
    # a JSON object body (what Graph returns for JSON responses) becomes None, and
    # BatchResponseContent.get_response_by_id(id, User) then raises ValueError ("Unable to
    # deserialize batch response"). The failure is recorded (the test notices when the SDK
    # is fixed) and the same request the SDK's batch builder makes is sent again, its
    # answer read as bytes.
    try:
        response.get_response_by_id(items[0].id, User)
        sdk_parse = "ok"
    except Exception as error:  # noqa: BLE001 - recording the SDK's own failure
        sdk_parse = type(error).__name__
    info = await graph.app_client.batch.to_post_request_information(content)
    raw = await graph.app_client.request_adapter.send_primitive_async(info, "bytes", None)
    bodies = {r["id"]: r.get("body") or {} for r in json.loads(raw)["responses"]}
    summary["batch"] = {
        "statuses": [statuses.get(item.id) for item in items],
        "ids": [bodies.get(item.id, {}).get("id") for item in items],
        "expected_ids": ids[:3],
        "sdk_get_response_by_id": sdk_parse,
    }


async def throttled(graph, admin, summary):
    """The SDK's RetryHandler through two injected 429s with Retry-After: 1."""
    admin.call("POST", "/faults", {"route": "users", "kind": "429", "retry_after": 1, "count": 2})
    config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        top=1, select=["id"]))
    page = await graph.app_client.users.get(request_configuration=config)
    summary["retry"] = {"users": len(page.value)}


async def main():
    state_dir, base_url, tenant_id, client_id, ca_file = sys.argv[1:6]
    parameters = json.load(open(os.path.join(state_dir, "parameters.json")))
    # The tutorial reads these from config.cfg's [azure] section.
    settings = {"clientId": client_id, "tenantId": tenant_id, "clientSecret": parameters["secret"]}
    graph = Graph(settings, base_url, ca_file)
    admin = Admin(base_url, ca_file)
    summary = {"token": bool(await graph.get_app_only_token())}
    try:
        await tutorial(graph, summary)
        ids = await every_user(graph, summary)
        await get_by_id(graph, ids[0], summary)
        await count(graph, summary)
        await batch(graph, ids, summary)
        await delta(graph, admin, summary)
        await throttled(graph, admin, summary)
    finally:
        await graph.client_credential.close()
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main())
