"""Users (issue 13): a profile each user edits (names, avatar), when they were last seen,
and an active flag operators set — a deactivated user's keys stop working at once."""

from __future__ import annotations

import asyncio

from tests.helpers import USER_ERRORS, assert_error, assert_ok
from tests.support.operations import run_cli

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
