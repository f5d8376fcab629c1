"""The tools mlgraph integrates with, per kind of integration: the one list every other
module reads (experiment tracking systems, serving frameworks, orchestrators, registries)."""

from __future__ import annotations

import enum
from types import MappingProxyType
from typing import Any

from app.domain.pipelines.enums import Orchestrator

TRACKING = ("mlflow", "wandb", "tensorboard", "neptune", "comet", "other")
SERVING = (
    "kserve",
    "seldon",
    "ray-serve",
    "sagemaker",
    "vertex-ai",
    "cloud-run",
    "bentoml",
    "custom",
)
ORCHESTRATION = tuple(o.value for o in Orchestrator)
REGISTRY = ("huggingface", "mlflow", "sagemaker", "vertex-ai", "wandb")
# Also where dataset versions may come from (MLGRAPH_DATASET_VERSIONING_SYSTEMS narrows it).
DATA_VERSIONING = ("dvc", "lakefs", "delta", "huggingface", "manual")
MONITORING = ("prometheus", "datadog", "evidently", "arize", "whylabs")

SUPPORTED_TOOLS = MappingProxyType(
    {
        "tracking": TRACKING,
        "serving": SERVING,
        "orchestration": ORCHESTRATION,
        "registry": REGISTRY,
        "data_versioning": DATA_VERSIONING,
        "monitoring": MONITORING,
    }
)

# Keys that look like credentials are refused everywhere in a config (every member of the
# organization reads configs): secrets belong in the deployment platform's secret store,
# referenced by name in a key ending ``_ref`` (e.g. ``token_secret_ref``). The rule reads a
# key's words (split at ``_``), not a list of spellings: see ``credential_key``.
# Words that name a credential, whole or inside a word ("clientsecret", "authtoken").
CREDENTIAL_STEMS = (
    "secret",
    "passw",
    "passphrase",
    "token",
    "credential",
    "apikey",
    "accesskey",
    "privatekey",
    "signingkey",
    "bearer",
    "cookie",
)
# Words that name a credential only whole ("author" is not "auth", "passage" not "pass").
CREDENTIAL_WORDS = frozenset(
    {
        "auth",
        "authorization",
        "pass",
        "pwd",
        "pw",
        "creds",
        "dsn",
        "jwt",
        "otp",
        "pin",
        "session",
        "sessionid",
        "cert",
        "pem",
    }
)
# Names JavaScript clients give meaning to on any object.
RESERVED_KEYS = frozenset({"constructor", "prototype", "proto"})


def credential_key(key: str) -> bool:
    """Whether a config key names a credential (or is reserved): its words (split at
    ``_``) hold a credential word, a word containing a credential stem, a final ``key``
    (``signing_key``, ``aws_secret_access_key``) or ``connection`` with ``string``/``url``;
    a key ending ``_ref`` names a secret kept elsewhere and is allowed."""
    words = [w for w in key.lower().split("_") if w]
    if not words or words[-1] == "ref":
        return False
    joined = "".join(words)
    return (
        key.lower() in RESERVED_KEYS
        or bool(CREDENTIAL_WORDS.intersection(words))
        or any(stem in joined for stem in CREDENTIAL_STEMS)
        or words[-1] in ("key", "keys")
        or ("connection" in words or "conn" in words)
        and bool({"string", "str", "url"} & set(words))
    )


KEY = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$"}
URL = {"type": "string", "pattern": r"^https?://\S{1,2000}$"}
NAME = {"type": "string", "minLength": 1, "maxLength": 200}
SCALAR = {"type": ["string", "number", "boolean"], "maxLength": 2000}

GENERIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "maxProperties": 50,
    "propertyNames": KEY,  # and no credential_key (checked in Python: it reads words)
    "additionalProperties": SCALAR,
}


def _strict(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


CONFIG_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("tracking", "mlflow"): _strict(
        {"tracking_uri": URL, "experiment_prefix": NAME, "token_secret_ref": NAME},
        ("tracking_uri",),
    ),
    ("tracking", "wandb"): _strict(
        {"entity": NAME, "project": NAME, "base_url": URL, "api_key_secret_ref": NAME},
        ("entity",),
    ),
    ("serving", "kserve"): _strict(
        {"namespace": NAME, "ingress_domain": NAME, "service_account": NAME}, ("namespace",)
    ),
    ("serving", "seldon"): _strict({"namespace": NAME, "protocol": {"enum": ["v2", "seldon"]}}),
    ("serving", "sagemaker"): _strict(
        {
            "region": {"type": "string", "pattern": r"^[a-z]{2}(-[a-z]+)+-\d$"},
            "execution_role_arn": {"type": "string", "pattern": r"^arn:aws:iam::\d{12}:role/\S+$"},
        },
        ("region", "execution_role_arn"),
    ),
    ("serving", "vertex-ai"): _strict(
        {"project": NAME, "region": NAME, "network": NAME}, ("project", "region")
    ),
    ("orchestration", "airflow"): _strict(
        {"base_url": URL, "dag_prefix": NAME, "token_secret_ref": NAME}, ("base_url",)
    ),
    ("orchestration", "kubeflow"): _strict({"host": URL, "namespace": NAME}, ("host",)),
    ("registry", "huggingface"): _strict(
        {"organization": NAME, "endpoint": URL, "token_secret_ref": NAME}
    ),
    ("registry", "mlflow"): _strict({"tracking_uri": URL}, ("tracking_uri",)),
}

FEATURE_FLAGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "maxProperties": 100,
    "propertyNames": KEY,
    "additionalProperties": {"type": "boolean"},
}


def config_schema(integration_type: str, tool: str) -> dict[str, Any]:
    """The JSON schema a tool's config must satisfy (a generic flat one where none is
    specific)."""
    return CONFIG_SCHEMAS.get((integration_type, tool), GENERIC_SCHEMA)


class IntegrationType(enum.Enum):
    TRACKING = "tracking"
    SERVING = "serving"
    ORCHESTRATION = "orchestration"
    REGISTRY = "registry"
    DATA_VERSIONING = "data_versioning"
    MONITORING = "monitoring"


class SyncState(enum.Enum):
    NEVER_SYNCED = "never_synced"
    SYNCED = "synced"
    OUT_OF_SYNC = "out_of_sync"


class SyncDirection(enum.Enum):
    IMPORT = "import"
    EXPORT = "export"


# What an id looks like in each registry.
EXTERNAL_IDS: dict[str, tuple[str, str]] = {
    "huggingface": (
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$",
        "owner/name, e.g. google-bert/bert-base-uncased",
    ),
    "mlflow": (r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,255}$", "a registered model name"),
    "sagemaker": (
        r"^(arn:aws:sagemaker:[a-z0-9-]+:\d{12}:model-package(-group)?/[A-Za-z0-9-]{1,63}"
        r"(/\d+)?|[A-Za-z0-9](-*[A-Za-z0-9]){0,62})$",
        "a model package (group) ARN or name",
    ),
    "vertex-ai": (
        r"^projects/[a-z0-9][a-z0-9-]{4,28}[a-z0-9]/locations/[a-z0-9-]+/models/[A-Za-z0-9_-]+$",
        "projects/PROJECT/locations/REGION/models/ID",
    ),
    "wandb": (
        r"^[A-Za-z0-9_-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$",
        "entity/project/artifact[:alias]",
    ),
}
