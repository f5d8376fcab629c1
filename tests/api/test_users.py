"""Users (issue 13): a profile each user edits (names, avatar), when they were last seen,
and an active flag operators set — a deactivated user's keys stop working at once."""

from __future__ import annotations

import asyncio

from tests.helpers import USER_ERRORS, assert_error, assert_ok
from tests.support.operations import run_cli
from tests.support.project_visibility import member
from tests.support.tenancy import key_for

PROFILE = f"""mutation($input: ViewerProfileUpdateInput!) {{
  viewerProfileUpdate(input: $input) {{ user {{ email name firstName lastName avatarUrl
    isActive lastSeenAt }} {USER_ERRORS} }} }}"""
ME = "{ viewer { user { firstName lastSeenAt isActive } } }"


async def test_users_edit_their_profile(tenant):
    client = tenant.client
    made = assert_ok(await client.mutate(PROFILE, {
        "firstName": " Ada ", "lastName": "Lovelace", "name": "Ada L.",
        "avatarUrl": "https://cdn.example/ada.png"}))["user"]  # fmt: skip
    assert (made["firstName"], made["lastName"], made["name"], made["avatarUrl"]) == (
        "Ada", "Lovelace", "Ada L.", "https://cdn.example/ada.png")  # fmt: skip
    assert made["email"] == tenant.email and made["isActive"] is True
    cleared = assert_ok(await client.mutate(PROFILE, {"avatarUrl": None}))["user"]
    assert cleared["avatarUrl"] is None and cleared["firstName"] == "Ada"
    for field, value in (("avatarUrl", "http://cdn.example/a.png"), ("avatarUrl", "javascript:x"),
                         ("firstName", "x" * 101), ("lastName", "  ")):  # fmt: skip
        assert_error(await client.mutate(PROFILE, {field: value}), "VALIDATION", ["input", field])
    seen = (await client.data(ME))["viewer"]["user"]
    assert seen["lastSeenAt"] is not None


async def test_a_deactivated_users_keys_stop_working(tenant, database_url):
    client = tenant.client
    done = run_cli("user-status", "--email", tenant.email, "--status", "inactive",
                   database_url=database_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for _ in range(200):  # the server hears of it through NOTIFY: wait for the outcome
        response = await client.post(ME)
        if response.status_code == 401:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 401 and "deactivated" in response.text
    again = run_cli("user-status", "--email", tenant.email.upper(), "--status", "active",
                    database_url=database_url)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (await client.data(ME))["viewer"]["user"]["isActive"] is True
    unknown = run_cli("user-status", "--email", "nobody@example.com", "--status", "active",
                      database_url=database_url)  # fmt: skip
    assert unknown.returncode == 2


async def test_operators_mark_an_email_verified(tenant, database_url):
    query = "{ viewer { user { emailVerifiedAt } } }"
    assert (await tenant.client.data(query))["viewer"]["user"]["emailVerifiedAt"] is None
    done = run_cli("user-status", "--email", tenant.email, "--verified", "yes",
                   database_url=database_url)  # fmt: skip
    assert done.returncode == 0 and "email verified" in done.stdout, done.stderr
    verified = (await tenant.client.data(query))["viewer"]["user"]["emailVerifiedAt"]
    assert verified is not None
    again = run_cli("user-status", "--email", tenant.email, "--verified", "yes",
                    database_url=database_url)  # fmt: skip
    assert again.returncode == 0
    assert (await tenant.client.data(query))["viewer"]["user"]["emailVerifiedAt"] == verified
    run_cli("user-status", "--email", tenant.email, "--verified", "no", database_url=database_url)
    assert (await tenant.client.data(query))["viewer"]["user"]["emailVerifiedAt"] is None
    assert (
        run_cli("user-status", "--email", tenant.email, database_url=database_url).returncode == 2
    )


SETTINGS = f"""mutation($input: ViewerSettingsUpdateInput!) {{
  viewerSettingsUpdate(input: $input) {{ viewer {{ timeZone theme preferences
    defaultOrganization {{ slug }} }} {USER_ERRORS} }} }}"""
MY_SETTINGS = "{ viewer { timeZone theme preferences defaultOrganization { slug } } }"


async def test_users_keep_their_own_settings(tenant, make_tenant, http, database_url):
    client = tenant.client
    assert (await client.data(MY_SETTINGS))["viewer"] == {
        "timeZone": "UTC", "theme": "SYSTEM", "preferences": {}, "defaultOrganization": None}  # fmt: skip
    changed = {"timeZone": " Europe/Paris ", "theme": "DARK", "defaultOrganizationId":
               tenant.org_id, "preferences": {"runs": {"columns": ["params.lr", "val/auc"]}}}  # fmt: skip
    made = assert_ok(await client.mutate(SETTINGS, changed))["viewer"]
    assert made == {"timeZone": "Europe/Paris", "theme": "DARK", "defaultOrganization":
                    {"slug": tenant.org_slug}, "preferences": changed["preferences"]}  # fmt: skip
    assert (await client.data(MY_SETTINGS))["viewer"] == made
    compiled, reference = (
        await client.post(MY_SETTINGS),
        await client.on_resolvers().post(MY_SETTINGS),
    )
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content  # the resolvers read the same row
    # Only what is given changes; null puts a setting back to its default.
    reset = assert_ok(await client.mutate(SETTINGS, {"theme": None, "preferences": None}))
    assert reset["viewer"]["theme"] == "SYSTEM" and reset["viewer"]["preferences"] == {}
    assert reset["viewer"]["timeZone"] == "Europe/Paris"

    other = await make_tenant()
    refused = [
        ({"timeZone": "Mars/Olympus"}, "VALIDATION", "timeZone"),
        ({"timeZone": "europe/paris"}, "VALIDATION", "timeZone"),  # as the tz database spells it
        ({"preferences": [1, 2]}, "VALIDATION", "preferences"),
        ({"preferences": {"x": "y" * 17_000}}, "VALIDATION", "preferences"),
        # Another organization, or not an organization's id: as unseen.
        ({"defaultOrganizationId": other.org_id}, "NOT_FOUND", "defaultOrganizationId"),
        ({"defaultOrganizationId": "bm90IGFuIGlk"}, "NOT_FOUND", "defaultOrganizationId"),
    ]  # fmt: skip
    for change, code, field in refused:
        assert_error(await client.mutate(SETTINGS, change), code, ["input", field])
    # A read-only key reads them and changes none.
    reader = await key_for(client, http, organizationId=tenant.org_id, scopes=["READ"])
    assert (await reader.data(MY_SETTINGS))["viewer"]["timeZone"] == "Europe/Paris"
    assert_error(await reader.mutate(SETTINGS, {"theme": "LIGHT"}), "FORBIDDEN")
    # They are the user's own: nobody else reads them, not even through a User.
    colleague = await member(tenant, http, database_url, "ADMIN")
    assert (await colleague.data(MY_SETTINGS))["viewer"]["timeZone"] == "UTC"
    user_type = await colleague.data('{ __type(name: "User") { fields { name } } }')
    assert not {"timeZone", "theme", "preferences"} & {
        f["name"] for f in user_type["__type"]["fields"]}  # fmt: skip
