"""Microsoft's app-only Python tutorial, "List users in Python apps using
Microsoft Graph" (msgraph-sdk), with entrad.aio.Credential in place of
azure-identity's ClientSecretCredential, against the emulator.

As in crates/entrad-emulator/tests/msgraph, only what the tutorial asks a user
to change for another cloud is changed (the Graph base URL, the allowed hosts,
the CA), and msgraph-core's default allowed hosts, which kiota refuses, are
replaced by the emulator's host."""

import asyncio
import ssl
from urllib.parse import urlparse

import httpx
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import AzureIdentityAuthenticationProvider, GraphClientFactory, PageIterator

import entrad
import entrad.aio

from conftest import GRAPH_SCOPE


class Graph:
    """The tutorial's Graph class (graph.py), its credential entrad's."""

    def __init__(self, credential, base_url, ca_file):
        self.client_credential = credential
        auth = AzureIdentityAuthenticationProvider(
            self.client_credential, scopes=[GRAPH_SCOPE], allowed_hosts=[urlparse(base_url).hostname])
        tls = ssl.create_default_context(cafile=ca_file)
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(base_url=base_url + "/v1.0", verify=tls, trust_env=False))
        adapter = GraphRequestAdapter(auth, client=http)
        adapter.base_url = base_url + "/v1.0"
        self.app_client = GraphServiceClient(request_adapter=adapter)

    async def get_app_only_token(self):
        access_token = await self.client_credential.get_token(GRAPH_SCOPE)
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


async def tutorial(graph):
    """main.py's display_access_token and list_users, then every user with PageIterator."""
    token = await graph.get_app_only_token()
    users_page = await graph.get_users()
    config = RequestConfiguration(query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        select=["id", "displayName"], top=30))
    seen = []
    pages = PageIterator(await graph.app_client.users.get(request_configuration=config),
                         graph.app_client.request_adapter)
    await pages.iterate(lambda user: seen.append(user.id) or True)
    async with graph.client_credential:
        pass
    return token, users_page, seen


def test_the_msgraph_sdk_tutorial_runs_on_entrads_async_credential(emulator):
    credential = entrad.aio.Credential.from_parameters(emulator.file("parameters.json"), ca_file=emulator.ca_file)
    everyone = list(entrad.Graph(entrad.Credential.from_parameters(
        emulator.file("parameters.json"), ca_file=emulator.ca_file)).items("v1.0/users", params={"$top": 999}))
    expected = sorted(everyone, key=lambda u: (u["displayName"].lower(), u["id"]))[:25]
    before = emulator.requests("users")

    token, users_page, seen = asyncio.run(tutorial(Graph(credential, emulator.url, emulator.ca_file)))

    assert token.count(".") == 2
    assert [user.display_name for user in users_page.value] == [u["displayName"] for u in expected]
    assert all(user.mail for user in users_page.value)
    assert users_page.odata_next_link is not None
    assert sorted(seen) == sorted(u["id"] for u in everyone)
    # The tutorial's page, then every page of 30: all with the one token.
    assert emulator.requests("users") - before == 1 + -(-len(everyone) // 30)
    assert credential.token_requests == 1
