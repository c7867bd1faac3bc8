"""Typed errors of the adapters (CLIs, publishers, replay): each message says what to change."""


from schemas.exceptions import FraudstreamError


class AppError(FraudstreamError):
    """Base of every error raised by the app layer."""

    code = "app_error"


class MappingError(AppError, ValueError):
    """A field-mapping file or a row it is applied to is malformed."""

    code = "mapping_invalid"


class ReplaySourceError(AppError):
    """A replay source (topic or file) cannot be read as asked."""

    code = "replay_source_unreadable"


class ReplayError(AppError):
    """A replay cannot run with the options given."""

    code = "replay_invalid"


class KafkaUnreachableError(AppError):
    """No broker answered at the bootstrap address; the message names it and the option to change."""

    code = "kafka_unreachable"


class SettingsError(AppError):
    """An environment variable or option holds a value the settings refuse.

    Raised by `app.settings.build_settings` in place of pydantic's report, so a CLI ends in one line that
    names the variable to fix.
    """

    code = "settings_invalid"


class LocalKafkaError(AppError):
    """The local broker could not be provisioned or started; the message says what to do."""

    code = "local_kafka_failed"


class DemoError(AppError):
    """The demo's workers did not start or did not become healthy; the message names the log folder."""

    code = "demo_failed"

