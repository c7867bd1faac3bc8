"""Typed errors of the adapters (CLIs, publishers, replay): each message says what to change."""


class AppError(Exception):
    """Base of every error raised by the app layer."""


class MappingError(AppError, ValueError):
    """A field-mapping file or a row it is applied to is malformed."""


class ReplaySourceError(AppError):
    """A replay source (topic or file) cannot be read as asked."""


class ReplayError(AppError):
    """A replay cannot run with the options given."""
