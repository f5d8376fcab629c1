from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import HealthRuleKind
from .fragments import UserErrors


class HealthRuleCreate(BaseModel):
    health_rule_create: "HealthRuleCreateHealthRuleCreate" = Field(
        alias="healthRuleCreate"
    )


class HealthRuleCreateHealthRuleCreate(BaseModel):
    health_rule: Optional["HealthRuleCreateHealthRuleCreateHealthRule"] = Field(
        alias="healthRule"
    )
    user_errors: list["HealthRuleCreateHealthRuleCreateUserErrors"] = Field(
        alias="userErrors"
    )


class HealthRuleCreateHealthRuleCreateHealthRule(BaseModel):
    id: str
    name: str
    kind: HealthRuleKind


HealthRuleCreateHealthRuleCreateUserErrors = UserErrors
HealthRuleCreate.model_rebuild()
HealthRuleCreateHealthRuleCreate.model_rebuild()
