"""The authentication cache never puts back access that was taken away while a request
was reading it (the read began before the forgetting, the put comes after it)."""

from __future__ import annotations

import uuid

from app.domain.tenancy.access import Actor
from app.server.auth_cache import AuthCache


def test_an_answer_read_before_a_forgetting_is_not_remembered_after_it() -> None:
    cache = AuthCache(ttl_seconds=600)
    user = uuid.uuid4()
    stale = Actor(user_id=user)
    for forget in (lambda: cache.forget_user(user), cache.clear):
        began = cache.generation  # a request starts reading the key's access
        forget()  # a mutation takes access away meanwhile
        cache.put("mlg_key", stale, began)
        assert cache.get("mlg_key") is None

    fresh = cache.generation
    cache.put("mlg_key", stale, fresh)  # nothing forgotten meanwhile: remembered
    assert cache.get("mlg_key") is stale
    cache.forget_user(uuid.uuid4())  # someone else's access changed: a stale put is still refused
    cache.put("mlg_other", stale, fresh)
    assert cache.get("mlg_other") is None
