from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class RunLogsAppend(BaseModel):
    run_logs_append: "RunLogsAppendRunLogsAppend" = Field(alias="runLogsAppend")


class RunLogsAppendRunLogsAppend(BaseModel):
    first_line: int = Field(alias="firstLine")
    last_line: int = Field(alias="lastLine")
    new_count: int = Field(alias="newCount")
    user_errors: list["RunLogsAppendRunLogsAppendUserErrors"] = Field(
        alias="userErrors"
    )


RunLogsAppendRunLogsAppendUserErrors = UserErrors
RunLogsAppend.model_rebuild()
RunLogsAppendRunLogsAppend.model_rebuild()
