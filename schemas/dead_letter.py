"""DeadLetter: bad input kept whole, with a machine-readable reason, so nothing is lost."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from schemas.common import Message


class DeadLetterCode(StrEnum):
    """Why a message was dead-lettered. Published and stable: consumers route and count on these.

    Lower snake_case, like the schemas' other machine values (channels, event kinds, block actions) and the
    codes of fraudstream's errors; they were published in this form first, so consumers keep working.
    """

    INVALID_JSON = "invalid_json"  # not JSON, or a tombstone (no value)
    NOT_AN_OBJECT = "not_an_object"  # JSON, but not an object
    OVERSIZE = "oversize"  # larger than FRAUDSTREAM_MAX_MESSAGE_BYTES
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_ENUM_VALUE = "unknown_enum_value"
    AMOUNT_OUT_OF_RANGE = "amount_out_of_range"
    INVALID_VALUE = "invalid_value"
    EVENT_TIME_OUT_OF_RANGE = "event_time_out_of_range"
    DUPLICATE_TRANSACTION_ID = "duplicate_transaction_id"  # a decided id sent again at another offset
    SCORING_FAILED = "scoring_failed"  # valid, but the score stage could not score it; errors[0] has the cause
    CONTROL_KEY_INVALID = "control_key_invalid"
    CONTROL_MALFORMED = "control_malformed"
    CONTROL_BAD_SIGNATURE = "control_bad_signature"
    CONTROL_KEY_MISMATCH = "control_key_mismatch"
    CONTROL_STALE = "control_stale"
    CONTROL_OVERSIZE = "control_oversize"
    STORE_REJECTED = "store_rejected"  # the risk service's store refused a valid output record (e.g. a value too long)
    CONTROL_TOO_MANY_RULES = "control_too_many_rules"  # a ruleset over FRAUDSTREAM_RULES_MAX_RULES
    CONTROL_LIST_TOO_LARGE = "control_list_too_large"  # a named list over FRAUDSTREAM_RULES_MAX_LIST_ITEMS


class ErrorDetail(Message):
    code: DeadLetterCode = Field(description="stable reason code (enum); route and count on it")
    message: str
    fields: list[str] = Field(default_factory=list, description="dotted paths of offending fields")


class DeadLetter(Message):
    source_topic: str
    partition: int
    offset: int
    key_b64: str | None
    value_b64: str = Field(description="original bytes, base64; only a prefix of them when `truncated`")
    value_bytes: int | None = Field(default=None, description="length of the original value in bytes")
    value_sha256: str | None = Field(default=None, description="SHA-256 (hex) of the whole original value")
    truncated: bool = Field(default=False, description="value_b64 holds a prefix: the original was too large "
                                                       "for a dead letter to carry whole")
    error: ErrorDetail
    errors: list[dict[str, str]] = Field(
        default_factory=list,
        description="every validation error (field, type, message); for scoring_failed, the cause with its own "
                    "error code (e.g. a rule engine's feature_type)")
    received_at: AwareDatetime
