from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class AlertRuleCreate(BaseModel):
    alert_rule_create: "AlertRuleCreateAlertRuleCreate" = Field(alias="alertRuleCreate")


class AlertRuleCreateAlertRuleCreate(BaseModel):
    alert_rule: Optional["AlertRuleCreateAlertRuleCreateAlertRule"] = Field(
        alias="alertRule"
    )
    user_errors: list["AlertRuleCreateAlertRuleCreateUserErrors"] = Field(
        alias="userErrors"
    )


class AlertRuleCreateAlertRuleCreateAlertRule(BaseModel):
    id: str
    name: str


AlertRuleCreateAlertRuleCreateUserErrors = UserErrors
AlertRuleCreate.model_rebuild()
AlertRuleCreateAlertRuleCreate.model_rebuild()
