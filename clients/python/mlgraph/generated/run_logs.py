from datetime import datetime

from pydantic import Field

from .base_model import BaseModel
from .enums import LogStream


class RunLogs(BaseModel):
    run_logs: "RunLogsRunLogs" = Field(alias="runLogs")


class RunLogsRunLogs(BaseModel):
    cursor: str
    replay: bool
    lines: list["RunLogsRunLogsLines"]


class RunLogsRunLogsLines(BaseModel):
    line_number: int = Field(alias="lineNumber")
    stream: LogStream
    text: str
    logged_at: datetime = Field(alias="loggedAt")


RunLogs.model_rebuild()
RunLogsRunLogs.model_rebuild()
