"""Directory writes with Microsoft's SDK (msgraph-sdk and azure-identity's
ClientSecretCredential) against the emulator: refused with Graph's 403 while the
demo app has its read roles only, then, once `POST /_emulator/consent` grants
User.ReadWrite.All and Group.ReadWrite.All, a user created, patched, added to a
group, removed from it and deleted, each step checked through reads.

Only what another cloud needs is changed (the authority, the Graph base URL, the
allowed hosts, the CA), as in test_msgraph_sdk.py. The emulator is this test's own:
changing the demo app's roles would change the session emulator's for other tests."""

import asyncio
import ssl
from urllib.parse import urlparse

import httpx
import pytest
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.groups.item.members.members_request_builder import MembersRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph_core import AzureIdentityAuthenticationProvider, GraphClientFactory

from conftest import GRAPH_SCOPE, start_emulator


@pytest.fixture
def own_emulator(tmp_path):
    emulator = start_emulator(tmp_path)
    yield emulator
    emulator.process.kill()
    emulator.process.wait()


def graph_client(emulator):
    """A GraphServiceClient with a new credential: a new token, carrying the roles
    granted when it is issued (azure-identity keeps a token until it expires)."""
    parameters = emulator.parameters()
    tenant = parameters["authority"].rstrip("/").rsplit("/", 1)[1]
    credential = ClientSecretCredential(
        tenant, parameters["client_id"], parameters["secret"],
        authority=emulator.url, disable_instance_discovery=True,
        connection_verify=emulator.ca_file)
    auth = AzureIdentityAuthenticationProvider(
        credential, scopes=[GRAPH_SCOPE], allowed_hosts=[urlparse(emulator.url).hostname])
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient(
        base_url=emulator.url + "/v1.0",
        verify=ssl.create_default_context(cafile=emulator.ca_file), trust_env=False))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = emulator.url + "/v1.0"
    return credential, GraphServiceClient(request_adapter=adapter)


def new_user():
    return User(
        account_enabled=True,
        display_name="Sdk Person",
        mail_nickname="sdk.person",
        user_principal_name="sdk.person@entrademo.onmicrosoft.com",
        password_profile=PasswordProfile(
            force_change_password_next_sign_in=True, password="xWwvJ]6NMw+bWH-d"),
    )


async def refused(emulator):
    credential, client = graph_client(emulator)
    async with credential:
        with pytest.raises(ODataError) as caught:
            await client.users.post(new_user())
    return caught.value


async def member_ids(client, group_id):
    config = RequestConfiguration(query_parameters=MembersRequestBuilder.MembersRequestBuilderGetQueryParameters(
        select=["id"], top=999))
    page = await client.groups.by_group_id(group_id).members.get(request_configuration=config)
    return [member.id for member in page.value]


async def write_and_read(emulator):
    """Create, patch, add to a group, remove, delete: what each read saw."""
    seen = {}
    credential, client = graph_client(emulator)
    async with credential:
        created = await client.users.post(new_user())
        seen["created"] = created
        user = client.users.by_user_id(created.id)
        seen["got"] = await user.get()

        await user.patch(User(job_title="Tester", display_name="Sdk Person Patched"))
        seen["patched"] = await user.get()

        config = RequestConfiguration(query_parameters=GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
            select=["id"], top=1))
        group_id = (await client.groups.get(request_configuration=config)).value[0].id
        group = client.groups.by_group_id(group_id)
        await group.members.ref.post(ReferenceCreate(
            odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{created.id}"))
        seen["members_after_add"] = await member_ids(client, group_id)

        await group.members.by_directory_object_id(created.id).ref.delete()
        seen["members_after_remove"] = await member_ids(client, group_id)

        await user.delete()
        with pytest.raises(ODataError) as gone:
            await user.get()
        seen["gone"] = gone.value
    return seen


def test_msgraph_sdk_writes_are_refused_until_granted_then_seen_by_reads(own_emulator):
    emulator = own_emulator
    error = asyncio.run(refused(emulator))
    assert error.response_status_code == 403
    assert error.error.code == "Authorization_RequestDenied"
    assert error.error.message == "Insufficient privileges to complete the operation."
    assert emulator.requests("users") == 1

    client_id = emulator.parameters()["client_id"]
    granted = emulator.admin("POST", "/consent", {
        "client_id": client_id, "granted": True,
        "roles": ["User.Read.All", "GroupMember.Read.All", "User.ReadWrite.All", "Group.ReadWrite.All"],
    })
    assert "User.ReadWrite.All" in granted["roles"]

    seen = asyncio.run(write_and_read(emulator))
    created = seen["created"]
    assert created.id
    assert created.user_principal_name == "sdk.person@entrademo.onmicrosoft.com"
    assert created.password_profile is None
    assert seen["got"].display_name == "Sdk Person"
    assert seen["patched"].display_name == "Sdk Person Patched"
    assert seen["patched"].job_title == "Tester"
    assert created.id in seen["members_after_add"]
    assert created.id not in seen["members_after_remove"]
    assert seen["gone"].response_status_code == 404
    assert seen["gone"].error.code == "Request_ResourceNotFound"
