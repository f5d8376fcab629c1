from pydantic import Field

from .base_model import BaseModel
from .fragments import UserErrors


class PredictionsRecord(BaseModel):
    predictions_record: "PredictionsRecordPredictionsRecord" = Field(
        alias="predictionsRecord"
    )


class PredictionsRecordPredictionsRecord(BaseModel):
    recorded_count: int = Field(alias="recordedCount")
    alerts_opened: list["PredictionsRecordPredictionsRecordAlertsOpened"] = Field(
        alias="alertsOpened"
    )
    user_errors: list["PredictionsRecordPredictionsRecordUserErrors"] = Field(
        alias="userErrors"
    )


class PredictionsRecordPredictionsRecordAlertsOpened(BaseModel):
    id: str


PredictionsRecordPredictionsRecordUserErrors = UserErrors
PredictionsRecord.model_rebuild()
PredictionsRecordPredictionsRecord.model_rebuild()
