"""Errors that services raise and the API and pages turn into responses."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class BadRequest(ServiceError):
    status = 400


class Unauthorised(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422


class StepFailed(Conflict):
    """The diagram failed mid-step. The step was rolled back; the error state that records
    it (with the submitted data, so nothing is lost) must still be committed."""

    commit = True


ServiceError.commit = False


class TooLarge(ServiceError):
    status = 413


class Unsupported(ServiceError):
    status = 415
