from typing import Optional

from .base_model import BaseModel
from .enums import ErrorCode


class UserErrors(BaseModel):
    field: Optional[list[str]]
    code: ErrorCode
    message: str


UserErrors.model_rebuild()
