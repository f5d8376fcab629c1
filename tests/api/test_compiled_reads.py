"""The compiled read path answers exactly as the resolver path does: the same bytes (keys,
order, values, nulls, errors; dates, floats, ids and cursors byte for byte), for every
caller, over thousands of generated queries with random arguments, aliases and fragments.

The reference is the same server asked for its resolver path (``X-MLGraph-Path:
resolvers``, honoured by test servers only)."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    NameNode,
    SelectionSetNode,
    StringValueNode,
    Undefined,
    ast_from_value,
    parse,
    parse_value,
    print_ast,
    print_type,
)
from graphql import (
    build_schema as schema_from_sdl,
)
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema
from sqlalchemy import text

from app.api.graph.declare import GRAPH
from app.api.ids import decode_any, decode_id, encode_id
from app.db.engine import make_engine
from app.db.ids import uuid7
from app.server.schema import build_schema
from app.settings import REPO_ROOT
from tests.conftest import TEST_LIMITS
from tests.helpers import ARTIFACTS, assert_ok, build_graph, generated_documents
from tests.support.compiled_reads import (
    INVENTORY,
    ODD_FLOATS,
    argument_free_fields,
    collect_ids,
    seed_varied,
)

# The differential runs as this many tests, so pytest-xdist spreads it over its workers.
DIFFERENTIAL_SHARDS = 4
SCHEMA = build_schema(TEST_LIMITS)
GQL = SCHEMA._schema


# -- a schema of only what compiles, to generate queries from ---------------------------


def _compiles(type_name: str, field_name: str) -> bool:
    declared = GRAPH[type_name]
    if field_name in declared.python:
        return False
    lists = declared.lists
    return (
        field_name == "id"
        or field_name in declared.computed
        or (field_name in declared.built  # compiled by hand: argument-free ones here
            and not GQL.get_type(type_name).fields[field_name].args)
        or field_name in declared.links
        or field_name in declared.lookups
        or (field_name in lists and not GRAPH[lists[field_name].target].admin_only)
        or (declared.column_of(field_name) is not None and not GQL.get_type(type_name)
            .fields[field_name].args)
    )  # fmt: skip


def _named(gql_type: Any) -> Any:
    while isinstance(gql_type, GraphQLNonNull | GraphQLList):
        gql_type = gql_type.of_type
    return gql_type


def compiled_sdl() -> str:
    """SDL of the declared types and fields only, with custom scalars where a random value
    would only ever miss (slugs, ids, page sizes): their strategies pick real ones."""
    blocks = [
        "scalar DateTime", "scalar JSON", "scalar Slug", "scalar GlobalId", "scalar PageSize",
        "interface Node { id: ID! }",
        "type Query { organization(slug: Slug!): Organization  node(id: GlobalId!): Node  "
        "nodes(ids: [GlobalId!]!): [Node]!  viewer: Viewer }",
    ]  # fmt: skip
    extra: set[str] = set()
    for type_name in GRAPH:
        if GRAPH[type_name].admin_only:
            continue  # read on the resolver path only, where the role is checked
        gql_type = GQL.get_type(type_name)
        fields = []
        for name, gql_field in gql_type.fields.items():
            if not _compiles(type_name, name):
                continue
            args = []
            time_travel = name in GRAPH[type_name].links or name in GRAPH[type_name].lookups
            for arg_name, arg in gql_field.args.items():
                if time_travel:
                    continue  # `at:` reads history in Python: not the compiled path
                arg_type = str(arg.type)
                if arg_name in ("first", "last"):
                    arg_type = "PageSize"
                if arg_name in ("after", "before"):
                    continue  # random cursors only ever miss; paging is tested below
                default = ""
                if arg.default_value is not Undefined:
                    default = f" = {print_ast(ast_from_value(arg.default_value, arg.type))}"
                args.append(f"{arg_name}: {arg_type}{default}")
                extra.add(_named(arg.type).name)
            signature = f"({', '.join(args)})" if args else ""
            fields.append(f"{name}{signature}: {gql_field.type}")
            target = _named(gql_field.type)
            if target.name.endswith("Connection"):
                extra.add(target.name)
            elif target.name not in GRAPH:
                extra.add(target.name)
        implements = " implements Node" if GRAPH[type_name].global_id else ""
        blocks.append(f"type {type_name}{implements} {{ {'  '.join(fields)} }}")
    done: set[str] = set()
    while extra - done:
        name = (extra - done).pop()
        done.add(name)
        gql_type = GQL.get_type(name)
        if name in ("Int", "Float", "String", "Boolean", "ID", "DateTime", "JSON"):
            continue
        if isinstance(gql_type, GraphQLObjectType):
            fields = []
            for field_name, gql_field in gql_type.fields.items():
                fields.append(f"{field_name}: {gql_field.type}")
                target = _named(gql_field.type).name
                if target not in GRAPH:
                    extra.add(target)
            blocks.append(f"type {name} {{ {'  '.join(fields)} }}")
        else:
            text = print_type(gql_type)
            blocks.append(text.replace("environmentId: [ID!]", "environmentId: [GlobalId!]"))
            for child in getattr(gql_type, "fields", {}).values():
                extra.add(_named(child.type).name)
    return "\n".join(blocks)


def decorate(document: str, rnd: random.Random) -> str:
    """Add aliases, inline fragments and named fragments at random (the generator writes
    neither)."""
    ast = parse(document)
    fragments: list[FragmentDefinitionNode] = []
    counter = iter(range(10_000))

    def walk(selection_set: SelectionSetNode, parent: Any) -> SelectionSetNode:
        selections = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                inner = selection.selection_set
                if inner is not None and selection.name.value != "__typename":
                    target = _named(parent.fields[selection.name.value].type)
                    inner = walk(inner, target)
                alias = selection.alias
                if rnd.random() < 0.15 and (n := next(counter)) < 12:
                    alias = NameNode(value=f"x{n}")  # unique: no two fields share a key
                selections.append(
                    FieldNode(
                        alias=alias,
                        name=selection.name,
                        arguments=selection.arguments,
                        directives=selection.directives,
                        selection_set=inner,
                    )
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = GQL.get_type(condition.name.value) if condition else parent
                selections.append(
                    InlineFragmentNode(
                        type_condition=condition,
                        directives=selection.directives,
                        selection_set=walk(selection.selection_set, target),
                    )
                )
            else:
                selections.append(selection)
        roll = rnd.random()
        if roll < 0.15 and not isinstance(parent, GraphQLInterfaceType):
            name = f"F{len(fragments)}"
            fragments.append(
                FragmentDefinitionNode(
                    name=NameNode(value=name),
                    type_condition=NamedTypeNode(name=NameNode(value=parent.name)),
                    selection_set=SelectionSetNode(selections=tuple(selections)),
                )
            )
            selections = [FragmentSpreadNode(name=NameNode(value=name))]
        elif roll < 0.3:
            selections = [
                InlineFragmentNode(selection_set=SelectionSetNode(selections=tuple(selections)))
            ]
        if rnd.random() < 0.1:
            selections.append(FieldNode(name=NameNode(value="__typename")))
        return SelectionSetNode(selections=tuple(selections))

    operation = ast.definitions[0]
    body = walk(operation.selection_set, GQL.query_type)
    text = print_ast(operation).split("{", 1)[0] + print_ast(body)
    return "\n".join([text, *(print_ast(f) for f in fragments)])


def differential(
    base_url: str,
    keys: list[str | None],
    slugs: list[str],
    ids: list[str],
    *,
    forbidden: Mapping[str | None, frozenset[str]] | None = None,
    shard: int = 0,
) -> None:
    """Generated queries answer the same bytes on both paths; no answer to a key names any
    of its ``forbidden`` ids (what that caller must not see). Shard ``shard`` of
    ``DIFFERENTIAL_SHARDS`` draws its own fixed share of the documents."""
    sdl = compiled_sdl()
    scalars = {
        "Slug": st.sampled_from(slugs).map(lambda s: StringValueNode(value=s)),
        "GlobalId": st.sampled_from(ids).map(lambda s: StringValueNode(value=s)),
        "PageSize": st.integers(0, 6).map(lambda n: IntValueNode(value=str(n))),
        "JSON": st.sampled_from(['{optimizer: "adam"}', "{lr: 0.001}", "{}", "{a: [1, 2.5]}"]).map(
            parse_value
        ),
        "DateTime": st.sampled_from(
            ["2026-03-01T12:00:01+00:00", "2026-03-01T12:00:03.5+00:00", "2020-01-01T00:00:00Z"]
        ).map(lambda s: StringValueNode(value=s)),
    }
    client = httpx.Client(base_url=base_url, timeout=60)
    paths: dict[str, int] = {}

    @seed(shard)  # the same documents every run: a failure reproduces
    @settings(
        max_examples=generated_documents(800, DIFFERENTIAL_SHARDS),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        document=from_schema(sdl, custom_scalars=scalars),
        key=st.sampled_from(keys),
        rnd=st.randoms(use_true_random=False),
    )
    def same_answer(document: str, key: str | None, rnd: random.Random) -> None:
        query = decorate(document, rnd)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        compiled = client.post("/graphql", json={"query": query}, headers=headers)
        reference = client.post(
            "/graphql", json={"query": query}, headers={**headers, "X-MLGraph-Path": "resolvers"}
        )
        path = compiled.headers.get("x-mlgraph-path", "none")
        paths[path] = paths.get(path, 0) + 1
        assert reference.headers.get("x-mlgraph-path") == "resolvers"
        assert compiled.status_code == reference.status_code, query
        if compiled.content != reference.content:  # keep the whole case for diagnosis
            ARTIFACTS.mkdir(exist_ok=True)
            (ARTIFACTS / "compiled-reads-mismatch.txt").write_text(
                f"{query}\n\n--- compiled ({path})\n{compiled.text}\n\n--- resolvers\n"
                f"{reference.text}\n"
            )
        assert compiled.content == reference.content, (query, path)
        leaked = [i for i in (forbidden or {}).get(key, ()) if i.encode() in compiled.content]
        assert not leaked, (query, leaked)

    try:
        same_answer()
    finally:
        client.close()
    # Most generated queries must actually have run compiled, or this tested nothing.
    assert paths.get("compiled", 0) > 0.9 * sum(paths.values()), paths


@pytest.mark.parametrize("shard", range(DIFFERENTIAL_SHARDS))
async def test_both_paths_answer_the_same_bytes_for_every_caller(
    server, make_tenant, database_url, http, shard
):
    """Callers: two organizations' admins, nobody, and a developer of the first one from
    whom its first project is PRIVATE (no answer to it may name anything under it)."""
    from tests.support.project_visibility import member, set_visibility, typed

    first, second = await make_tenant("cmpa"), await make_tenant("cmpb")
    await seed_varied(database_url, first.org_id, 1)
    await seed_varied(database_url, second.org_id, 2)
    ids: list[str] = ["garbage", encode_id("Run", uuid7()), encode_id("Project", uuid7())]
    for tenant in (first, second):
        data = await tenant.client.on_resolvers().data(INVENTORY, {"slug": tenant.org_slug})
        ids += collect_ids(data)
        if tenant is first:
            private = data["organization"]["projects"]["nodes"][0]
    await set_visibility(first, private["id"], "PRIVATE")
    developer = await member(first, http, database_url, "DEVELOPER")
    hidden = frozenset(typed(collect_ids(private)))
    assert len(hidden) > 10
    slugs = [first.org_slug, second.org_slug, "no-such-org"]
    await asyncio.to_thread(
        differential,
        server.base_url,
        [first.key, second.key, None, developer.key],
        slugs,
        ids,
        forbidden={developer.key: hidden},
        shard=shard,
    )


async def test_the_callers_own_rows_answer_the_same_bytes_on_both_paths(
    server, make_tenant, database_url, http
):
    """The ``viewer`` root (the caller's user, memberships and API keys), which documents
    drawn from every root reach about once in a hundred, and then mostly its ``user``:
    every argument of its lists, for every caller, while other users hold live, expiring,
    expired and revoked keys. (A filter's OR, written without parentheses after the
    owner's condition, once listed every user's expiring keys here.)"""
    from tests.support.project_visibility import member
    from tests.support.tenancy import KEY_CREATE, KEY_REVOKE

    first, second = await make_tenant("cmpv"), await make_tenant("cmpv")
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    for tenant in (first, second):
        assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "expiring", "expiresAt": soon}))
        made = assert_ok(await tenant.client.mutate(KEY_CREATE, {"name": "revoked"}))
        assert_ok(await tenant.client.mutate(KEY_REVOKE, {"apiKeyId": made["apiKey"]["id"]}))
    developer = await member(first, http, database_url, "DEVELOPER")
    keys = "id name prefix scopes expiresAt revokedAt createdAt organization { slug }"
    documents = [
        f"{{ viewer {{ user {{ email }} memberships{page} {{ totalCount nodes {{ role }} }}"
        f" apiKeys({args}) {{ totalCount nodes {{ {keys} }} }} }} }}"
        for revoked in ("", "revoked: true", "revoked: false")
        for order in ("orderBy: CREATED_ASC", "orderBy: CREATED_DESC")
        for page, first_n in (("", ""), ("(first: 1)", "first: 1"), ("(last: 2)", "last: 2"))
        for args in [", ".join(a for a in (revoked, order, first_n) if a)]
    ]
    for key in (first.key, second.key, None, developer.key):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        for document in documents:
            compiled = await http.post("/graphql", json={"query": document}, headers=headers)
            reference = await http.post(
                "/graphql",
                json={"query": document},
                headers={**headers, "X-MLGraph-Path": "resolvers"},
            )
            assert compiled.headers["x-mlgraph-path"] == "compiled" or key is None, document
            assert compiled.content == reference.content, (document, compiled.text)


async def test_every_scalar_of_every_seeded_node_is_the_same_on_both_paths(
    server, make_tenant, database_url
):
    """Deterministic complement to the generated documents, which reach a given row only
    when the ids' order lets them: each seeded node, all its argument-free scalar and enum
    fields, on both paths. (It found a seeded 2**53 + 1 that the resolver path refuses to
    serialise as a Float and the compiled path printed.)"""
    schema = schema_from_sdl((REPO_ROOT / "schema.graphql").read_text())
    tenant = await make_tenant("cmps")
    await seed_varied(database_url, tenant.org_id, 3)
    data = await tenant.client.on_resolvers().data(INVENTORY, {"slug": tenant.org_slug})
    checked: set[str] = set()
    for global_id in collect_ids(data):
        decoded = decode_any(global_id)
        node_type = schema.get_type(decoded[0]) if decoded else None
        if not isinstance(node_type, GraphQLObjectType):
            continue
        fields = argument_free_fields(node_type)
        # A field computed in Python sends the whole document to the resolvers: then one
        # field at a time, so every field the compiler answers is still compared.
        whole = " ".join(fields)
        for selection in [whole, *fields]:
            query = f'{{ node(id: "{global_id}") {{ ... on {node_type.name} {{ {selection} }} }} }}'
            compiled = await tenant.client.post(query)
            reference = await tenant.client.on_resolvers().post(query)
            assert compiled.content == reference.content, (query, compiled.text, reference.text)
            if compiled.headers["x-mlgraph-path"] == "compiled":
                checked.add(node_type.name)
                if selection == whole:
                    break
    assert len(checked) >= 25, sorted(checked)  # the seed reaches most types


PAGED = """query($slug: String!, $first: Int, $after: String, $last: Int, $before: String,
  $order: ModelOrder) {
  organization(slug: $slug) { projects(first: 1, orderBy: SLUG_ASC) { nodes {
    models(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name updatedAt } } } } } } }"""


ORDERS = ("CREATED_ASC", "CREATED_DESC", "NAME_ASC", "NAME_DESC", "UPDATED_DESC")
KEYS_ONLY = re.compile(r"a\d+\._k\d+")  # a row's order key, as it is


async def page_both_ways(
    tenant: Any,
    document: str,
    order: str,
    forward: bool,
    size: int,
    cursor: str | None,
    count_statements: Any,
) -> tuple[Any, str]:
    """One page (``first``/``after`` forward, ``last``/``before`` backward) compiled and
    on the resolvers, the same bytes; the compiled answer and its statement on models."""
    variables: dict[str, Any] = {"slug": tenant.org_slug, "order": order}
    variables.update(
        {"first": size, "after": cursor} if forward else {"last": size, "before": cursor}
    )
    with count_statements() as counter:
        compiled = await tenant.client.post(document, variables)
    reference = await tenant.client.on_resolvers().post(document, variables)
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content, (order, forward, cursor)
    (read,) = [s for s in counter.statements if "FROM models" in s]
    return compiled, read


async def walk_pages(
    tenant: Any, document: str, size: int, pages: int, count_statements: Any
) -> list[dict[str, Any]]:
    """Every order, forward and backward, ``pages`` pages of ``size`` from the start (or
    until an empty page): the resolvers' bytes on the compiled path, whose statement
    aggregates no row's cursor (``array_agg`` only of the rows' order keys, for
    pageInfo's two cursors). The last pageInfo of each walk."""
    ends = []
    for order in ORDERS:
        for forward in (True, False):
            cursor: str | None = None
            for _ in range(pages):
                compiled, read = await page_both_ways(
                    tenant, document, order, forward, size, cursor, count_statements
                )
                aggregated = re.findall(r"array_agg\((.+?) ORDER BY", read)
                assert aggregated and all(KEYS_ONLY.fullmatch(a) for a in aggregated), aggregated
                connection = compiled.json()["data"]["organization"]["projects"]["nodes"][0]
                info = connection["models"]["pageInfo"]
                if info["endCursor"] is None:
                    break
                cursor = info["endCursor"] if forward else info["startCursor"]
            ends.append(info)
    return ends


async def test_cursor_pages_match_forward_and_backward(make_tenant, database_url, count_statements):
    tenant = await make_tenant("cmpc")
    await seed_varied(database_url, tenant.org_id, 3)
    await walk_pages(tenant, PAGED, 1, 4, count_statements)


UNNUMBERED = PAGED.replace(
    "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }", "totalCount"
)


async def test_a_page_without_page_info_reads_only_its_rows(
    make_tenant, database_url, count_statements
):
    """A page whose pageInfo nobody asks for reads its ``first``/``last`` rows and no
    more, unnumbered, in the order's own direction (forward and backward, from every
    cursor): the resolvers' bytes. With pageInfo, one row more is read (is there a next
    page?) and the rows are numbered to tell it apart."""
    tenant = await make_tenant("cmpn")
    await seed_varied(database_url, tenant.org_id, 3)
    cases = 0
    for order in ORDERS:
        for forward in (True, False):
            cursors: list[str | None] = [None]
            first = {"slug": tenant.org_slug, "order": order, "first" if forward else "last": 10}
            all_edges = (await tenant.client.post(UNNUMBERED, first)).json()["data"]
            edges = all_edges["organization"]["projects"]["nodes"][0]["models"]["edges"]
            assert len(edges) >= 3, edges
            cursors += [edge["cursor"] for edge in edges]
            for cursor in cursors:
                for size in (1, 2):
                    _, read = await page_both_ways(
                        tenant, UNNUMBERED, order, forward, size, cursor, count_statements
                    )
                    assert "row_number()" not in read
                    cases += 1
    assert cases >= 80
    with count_statements() as counter:
        paged = await tenant.client.post(PAGED, {"slug": tenant.org_slug, "first": 2})
    assert paged.headers["x-mlgraph-path"] == "compiled"
    (read,) = [s for s in counter.statements if "FROM models" in s]
    assert "row_number()" in read


ENDS_ONLY = PAGED.replace("edges { cursor node { id name updatedAt } }", "nodes { name }")


async def test_page_info_writes_two_cursors_not_one_per_row(
    make_tenant, database_url, count_statements
):
    """pageInfo's start and end cursors are written from the first and last rows' keys
    (the resolvers' bytes, forward and backward, every order, empty pages included): no
    row's cursor is built unless an edge asks for it."""
    tenant = await make_tenant("cmpk")
    await seed_varied(database_url, tenant.org_id, 3)
    ends = await walk_pages(tenant, ENDS_ONLY, 2, 5, count_statements)
    assert all(info["startCursor"] is None and info["endCursor"] is None for info in ends)


TENANCY = """query($slug: String!, $ids: [ID!]!) {
  organization(slug: $slug) { id projects(first: 10) { totalCount nodes { id } } }
  nodes(ids: $ids) { id ... on Project { slug models(first: 5) { totalCount } } } }"""


async def test_the_compiled_path_shows_nothing_of_another_organization(make_tenant, database_url):
    mine, theirs = await make_tenant("cmpd"), await make_tenant("cmpe")
    await seed_varied(database_url, theirs.org_id, 4)
    inventory = await theirs.client.on_resolvers().data(INVENTORY, {"slug": theirs.org_slug})
    projects = [p["id"] for p in inventory["organization"]["projects"]["nodes"]]
    their_ids = list(dict.fromkeys(projects + collect_ids(inventory)))
    assert len(their_ids) > 20
    variables = {"slug": theirs.org_slug, "ids": their_ids[:100]}
    response = await mine.client.post(TENANCY, variables)
    assert response.headers["x-mlgraph-path"] == "compiled"
    body = response.json()
    assert body == {"data": {"organization": None, "nodes": [None] * len(variables["ids"])}}
    # The owner sees them on the same path; soft-deleted projects stay hidden (p-2).
    own = (await theirs.client.post(TENANCY, variables)).json()["data"]
    assert own["organization"]["projects"]["totalCount"] == 2
    slugs = sorted(n["slug"] for n in own["nodes"] if n and "slug" in n)
    assert slugs == ["p-0", "p-1"]
    # The owner's answer is now a cached plan: another caller never gets it.
    again = await mine.client.post(TENANCY, variables)
    assert again.headers["x-mlgraph-path"] == "compiled"
    assert again.json() == body
    anonymous = await mine.client.http.post(
        "/graphql", json={"query": TENANCY, "variables": variables}
    )
    assert anonymous.headers["x-mlgraph-path"] == "compiled"
    assert anonymous.json()["data"]["organization"] is None


WS_QUERY = """
query($slug: String!) {
  organization(slug: $slug) {
    id slug
    projects(first: 5) { totalCount nodes { id name models(first: 5) { nodes { id name
      versions(first: 3) { edges { cursor node { id version stage } } } } } } }
  }
}"""


async def test_a_query_over_a_websocket_takes_the_compiled_path(server, tenant, count_statements):
    await build_graph(tenant.client, tenant.org_id)
    await build_graph(tenant.client, tenant.org_id)
    variables = {"slug": tenant.org_slug}
    reference = await tenant.client.on_resolvers().data(WS_QUERY, variables)
    request = gql(WS_QUERY)
    request.variable_values = variables
    for subprotocol in (
        WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
        WebsocketsTransport.APOLLO_SUBPROTOCOL,
    ):
        transport = WebsocketsTransport(
            url=server.base_url.replace("http://", "ws://") + "/graphql",
            init_payload={"Authorization": f"Bearer {tenant.key}"},
            subprotocols=[subprotocol],
        )
        async with Client(transport=transport) as session:
            await session.execute(request)  # the caller's access is cached from now on
            with count_statements() as counter:
                answer = await session.execute(request)
        assert answer == reference, subprotocol
        assert len(counter.statements) == 1, (subprotocol, counter.statements)


NEWLY_DECLARED = """query($slug: String!) { organization(slug: $slug) {
  notificationChannels(first: 10) { totalCount nodes {
    id name type hasSecret createdAt __typename
    rules(first: 5) { edges { cursor node {
      id trigger minSeverity enabled projectId deploymentId createdAt } } }
  } }
  projects(first: 10) { nodes { members(first: 10) { totalCount nodes {
    role createdAt user { id email } } } } }
} }"""


async def test_channels_rules_and_project_members_compile(make_tenant, database_url):
    tenant = await make_tenant("cmpn")
    await seed_varied(database_url, tenant.org_id, 3)
    variables = {"slug": tenant.org_slug}
    compiled = await tenant.client.post(NEWLY_DECLARED, variables)
    reference = await tenant.client.on_resolvers().post(NEWLY_DECLARED, variables)
    assert compiled.headers["x-mlgraph-path"] == "compiled"
    assert compiled.content == reference.content
    data = compiled.json()["data"]["organization"]
    rules = [e["node"] for c in data["notificationChannels"]["nodes"] for e in c["rules"]["edges"]]
    assert any(r["projectId"] for r in rules), rules  # global ids written by SQL
    assert all(decode_id(r["projectId"], "Project", []) for r in rules if r["projectId"])
    assert {c["hasSecret"] for c in data["notificationChannels"]["nodes"]} <= {True, False}
    assert any(p["members"]["totalCount"] for p in data["projects"]["nodes"])

    # A channel's config (a sealed Slack URL is opened in Python) and the admin-only lists
    # stay on the resolvers, which open the URL and check the role.
    for query in (
        "query($slug: String!) { organization(slug: $slug) { notificationChannels { nodes { config } } } }",
        "query($slug: String!) { organization(slug: $slug) { auditLogs { nodes { action } } } }",
    ):
        response = await tenant.client.post(query, variables)
        assert response.headers["x-mlgraph-path"] == "resolvers", query


async def test_a_terminated_read_connection_does_not_cost_an_answer(tenant, database_url):
    """The compiled path's pool does not ping before each statement: a connection the
    server closed (restart, failover, an administrator) is replaced, or the statement sent
    once more on a fresh one. No failure is logged (the suite fails on such a log)."""
    from app.db.statements import APPLICATION_NAME

    query = "query($slug: String!) { organization(slug: $slug) { slug projects { totalCount } } }"
    variables = {"slug": tenant.org_slug}
    first = await tenant.client.post(query, variables)
    assert first.headers["x-mlgraph-path"] == "compiled"
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            terminated = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"
                ),
                {"name": APPLICATION_NAME},
            )
    finally:
        await engine.dispose()
    assert terminated >= 1
    for _ in range(3):
        again = await tenant.client.post(query, variables)
        assert again.headers["x-mlgraph-path"] == "compiled"
        assert again.content == first.content


RAW_PAGE = """query($id: ID!, $key: String!, $first: Int!, $after: Int, $order: StepOrder!) {
  node(id: $id) { __typename ... on Run { id
    series: metric(key: $key) { key __typename
      pointColumns(first: $first, afterStep: $after, orderBy: $order) {
        __typename steps values timestamps hasMore }
      again: pointColumns(first: 2) { steps } } } } }"""


# Logged out of order in three batches (chunks overlapping in steps; 59 twice, kept once),
# with awkward floats, the three non-finite values and microsecond timestamps.
AWKWARD_STEPS = [*range(0, 60, 2), *range(1, 60, 2), *range(100, 130), 59, 250]
NONFINITE = {5: "NaN", 6: "Infinity", 7: "-Infinity"}


async def _log_awkward_points(tenant: Any) -> str:
    from tests.helpers import create_run, log_points

    ids = await create_run(tenant.client, tenant.org_id)
    start = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    steps = AWKWARD_STEPS
    for batch in (steps[:30], steps[30:60], steps[60:]):
        points = [{"key": "loss", "step": s,
                   "value": NONFINITE.get(s % 17, ODD_FLOATS[s % len(ODD_FLOATS)]),
                   "timestamp": (start + timedelta(microseconds=1237 * s)).isoformat()}
                  for s in batch]  # fmt: skip
        await log_points(tenant.client, ids["run"], points)
    return str(ids["run"])


async def test_raw_point_pages_compile_to_the_resolvers_bytes(tenant, count_statements):
    """Run.metric(key) { pointColumns } is compiled: every page of a key logged out of
    order (chunks overlapping in steps), with awkward floats and timestamps, answers the
    resolver path's bytes, forward and backward, from every bound; what the resolver
    refuses it still refuses."""
    run = await _log_awkward_points(tenant)
    steps = AWKWARD_STEPS
    cases = 0
    for order in ("STEP_ASC", "STEP_DESC"):
        for first in (1, 3, 31, 100, 10_000):
            for after in (None, -5, 0, 1, 29, 58, 59, 60, 99, 129, 250, 2**31 - 1):
                variables = {"id": run, "key": "loss", "first": first, "after": after,
                             "order": order}  # fmt: skip
                compiled = await tenant.client.post(RAW_PAGE, variables)
                reference = await tenant.client.on_resolvers().post(RAW_PAGE, variables)
                assert compiled.headers["x-mlgraph-path"] == "compiled"
                assert compiled.content == reference.content, (variables, compiled.text)
                cases += 1
    # The last case (all of it, descending): every step once, largest first.
    page = compiled.json()["data"]["node"]["series"]["pointColumns"]
    assert page["steps"] == sorted(set(steps), reverse=True) and page["hasMore"] is False
    assert {"NaN", "Infinity", "-Infinity"} <= set(page["values"])  # as the resolvers write them
    for bad in ({"first": 0}, {"first": 10_001}, {"key": 'no"quote'}):
        variables = {"id": run, "key": "loss", "first": 5, "order": "STEP_ASC", **bad}
        compiled = await tenant.client.post(RAW_PAGE, variables)
        reference = await tenant.client.on_resolvers().post(RAW_PAGE, variables)
        assert compiled.headers["x-mlgraph-path"] == "resolvers"  # refused there, as before
        assert compiled.content == reference.content and "errors" in compiled.json()
    # A key with no points: empty columns. A page is one SQL statement, run and points.
    with count_statements() as counter:
        empty = await tenant.client.post(RAW_PAGE, {**variables, "key": "nothing", "first": 5})
    assert empty.json()["data"]["node"]["series"]["pointColumns"]["steps"] == []
    assert len(counter.statements) == 1, counter.statements
    assert cases == 120


RELAY_PAGE = """query($id: ID!, $key: String!, $first: Int, $after: String, $last: Int,
                      $before: String, $order: StepOrder!) {
  node(id: $id) { ... on Run { id
    metric(key: $key) { __typename key
      points(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
        __typename totalCount
        pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
        edges { __typename cursor node { __typename key step value timestamp } }
        nodes { step value } }
      again: points(first: 2) { nodes { step } pageInfo { endCursor } } } } } }"""


async def test_relay_point_pages_compile_to_the_resolvers_bytes(tenant, count_statements):
    """Run.metric(key) { points } (the Relay page a table pages with) is compiled: walked
    forward with first/after and backward with last/before, in both orders and at several
    sizes, every page answers the resolver path's bytes and the walk meets every step once;
    arguments the resolver refuses are still refused there; a page is one statement."""
    run = await _log_awkward_points(tenant)
    every = sorted(set(AWKWARD_STEPS))

    async def page(**arguments: Any) -> dict[str, Any]:
        variables = {"id": run, "key": "loss", "order": "STEP_ASC", **arguments}
        compiled = await tenant.client.post(RELAY_PAGE, variables)
        reference = await tenant.client.on_resolvers().post(RELAY_PAGE, variables)
        assert compiled.headers["x-mlgraph-path"] == "compiled", compiled.text
        assert compiled.content == reference.content, (variables, compiled.text)
        return compiled.json()["data"]["node"]["metric"]["points"]

    for order, expected in (("STEP_ASC", every), ("STEP_DESC", every[::-1])):
        for size in (1, 7, 100):
            seen, after, more = [], None, True
            while more:
                found = await page(first=size, after=after, order=order)
                seen += [n["step"] for n in found["nodes"]]
                more, after = found["pageInfo"]["hasNextPage"], found["pageInfo"]["endCursor"]
            assert seen == expected and found["totalCount"] == len(every)
            seen, before, more = [], None, True
            while more:
                found = await page(last=size, before=before, order=order)
                seen = [n["step"] for n in found["nodes"]] + seen
                more = found["pageInfo"]["hasPreviousPage"]
                before = found["pageInfo"]["startCursor"]
            assert seen == expected
    values = [n["value"] for n in (await page(first=100))["nodes"]]
    assert {"NaN", "Infinity", "-Infinity"} <= set(values)
    assert (await page(first=0))["edges"] == []
    empty = await page(first=5, key="nothing")
    assert empty["nodes"] == [] and empty["totalCount"] == 0
    assert empty["pageInfo"]["endCursor"] is None
    refused = ({"first": 101}, {"first": 2, "last": 2}, {"after": "not a cursor"},
               {"after": "WyIxIiwiMiJd"}, {"after": "WyJ4Il0"},  # ["1","2"] and ["x"]
               {"after": "WyIxMDAwMDAwMDAwMDAwMDAwMDAwMDAwIl0"})  # fmt: skip  # past 2^63
    for bad in refused:
        variables = {"id": run, "key": "loss", "order": "STEP_ASC", **bad}
        compiled = await tenant.client.post(RELAY_PAGE, variables)
        reference = await tenant.client.on_resolvers().post(RELAY_PAGE, variables)
        assert compiled.headers["x-mlgraph-path"] == "resolvers", bad
        assert compiled.content == reference.content and "errors" in compiled.json(), bad
    with count_statements() as counter:
        one = await tenant.client.post(RELAY_PAGE, {"id": run, "key": "loss", "first": 10,
                                                    "order": "STEP_DESC"})  # fmt: skip
    assert "errors" not in one.json() and len(counter.statements) == 1, counter.statements


CHART = """query($id: ID!) { node(id: $id) { ... on Run { id
  metricHistory(keys: ["loss"], maxPoints: 10) { key buckets { stepStart last } } } } }"""


async def test_another_organization_reads_no_page_or_chart_of_the_run(make_tenant):
    """A run's id asked by another organization: no page (compiled, one statement) and no
    chart (the resolver path's asyncpg reads: the node, the summaries, the history) — the
    same null as for an id that does not exist."""
    mine, theirs = await make_tenant("pgmine"), await make_tenant("pgtheirs")
    run = await _log_awkward_points(mine)
    page = {"id": run, "key": "loss", "first": 10, "order": "STEP_ASC"}
    own = await mine.client.post(RELAY_PAGE, page)
    assert own.json()["data"]["node"]["metric"]["points"]["totalCount"] == len(set(AWKWARD_STEPS))
    for document, variables in ((RELAY_PAGE, page), (RAW_PAGE, page), (CHART, {"id": run})):
        answer = await theirs.client.post(document, variables)
        assert answer.json() == {"data": {"node": None}}, answer.text
    assert (await mine.client.data(CHART, {"id": run}))["node"]["metricHistory"][0]["buckets"]


async def test_a_compiled_read_is_planned_once(server, tenant):
    """PostgreSQL keeps a compiled statement's plan (force_generic_plan on the read pool):
    left to choose, it planned a raw page again at every read (1.2 of its 2.6 ms)."""
    run = await _log_awkward_points(tenant)
    for _ in range(8):
        page = await tenant.client.post(RELAY_PAGE, {"id": run, "key": "loss", "first": 10,
                                                     "order": "STEP_ASC"})  # fmt: skip
        assert page.headers["x-mlgraph-path"] == "compiled"
    # Whichever pooled connection answers: every compiled statement it prepared (these
    # pages', and other tests' on this server) ran on the plan made once, none re-planned.
    [(generic, custom)] = await server.app.state.statements.fetch(
        "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) "
        "FROM pg_prepared_statements WHERE statement LIKE 'SELECT (''{%'",
        [],
    )
    assert generic > 0 and custom == 0, (generic, custom)


async def test_a_compiled_read_sends_no_reset_statement(tenant, database_url):
    """The compiled reads' connections hold no session state, so going back to their pool
    costs no reset statement (asyncpg's default sends one per read: a round trip)."""
    from tests.helpers import create_run

    ids = await create_run(tenant.client, tenant.org_id)
    response = await tenant.client.post(
        "query($id: ID!) { node(id: $id) { ... on Run { id name } } }", {"id": ids["run"]}
    )
    assert response.headers["x-mlgraph-path"] == "compiled"
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            last = list(await connection.scalars(text(
                "SELECT query FROM pg_stat_activity WHERE application_name = 'mlgraph-reads'"
            )))  # fmt: skip
    finally:
        await engine.dispose()
    assert last and not [q for q in last if "RESET ALL" in q], last
