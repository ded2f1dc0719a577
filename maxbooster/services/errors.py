"""Domain errors raised by services, with one code enum and a plain-language message per code.

Every layer maps errors the same way: the REST API answers {"error": {"code", "message"}}, the
browser form routes redirect with `?error=<code>` and the page shows `message_for(code)`, and
Reflex handlers toast the error's message. A test walks `ErrorCode` and fails on a code
without a message.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # generic
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    PLAN_LIMIT_REACHED = "plan_limit_reached"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    LOGIN_REQUIRED = "login_required"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    BODY_TOO_LARGE = "body_too_large"
    MALFORMED_REQUEST = "malformed_request"
    INTERNAL_ERROR = "internal_error"
    # files
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable"
    # accounts
    INVALID_CREDENTIALS = "invalid_credentials"
    EMAIL_UNVERIFIED = "email_unverified"
    PASSWORD_TOO_SHORT = "password_too_short"
    PASSWORD_TOO_LONG = "password_too_long"
    COMMON_PASSWORD = "common_password"
    INVALID_EMAIL = "invalid_email"
    EMAIL_TAKEN = "email_taken"
    SAME_EMAIL = "same_email"
    INVALID_DISPLAY_NAME = "invalid_display_name"
    INVALID_TOKEN = "invalid_token"
    WRONG_PASSWORD = "wrong_password"
    CONFIRM_EMAIL_MISMATCH = "confirm_email_mismatch"
    GOOGLE_FAILED = "google"
    # admin
    INVALID_ROLE = "invalid_role"
    INVALID_PLAN = "invalid_plan"
    LAST_ADMIN = "last_admin"
    # jobs
    UNKNOWN_JOB_KIND = "unknown_job_kind"
    JOB_FINISHED = "job_finished"
    # billing
    PAYMENTS_UNAVAILABLE = "payments_unavailable"
    WEBHOOK_REFUSED = "webhook_refused"
    NO_BILLING_ACCOUNT = "no_billing_account"
    NOT_CONFIGURED = "not_configured"
    CARD_DECLINED = "card_declined"
    # marketplace
    LISTING_NOT_READY = "listing_not_ready"
    SELLER_NOT_READY = "seller_not_ready"
    ZIP_REFUSED = "zip_refused"
    CART_CURRENCY_MISMATCH = "cart_currency_mismatch"
    LISTING_UNAVAILABLE = "listing_unavailable"
    EXCLUSIVE_TAKEN = "exclusive_taken"
    DOWNLOAD_REVOKED = "download_revoked"
    DOWNLOAD_EXPIRED = "download_expired"
    NOT_A_BUYER = "not_a_buyer"
    EMAIL_UNAVAILABLE = "email_unavailable"
    # social
    SOCIAL_UNAVAILABLE = "social_unavailable"
    SOCIAL_RECONNECT = "social_reconnect"


MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: "Some of what you entered is not valid; check the form and try again.",
    ErrorCode.NOT_FOUND: "We could not find that. It may have been deleted.",
    ErrorCode.PERMISSION_DENIED: "You are not allowed to do that.",
    ErrorCode.PLAN_LIMIT_REACHED: "Your plan's limit is reached. Upgrade under Plan & billing (in the menu).",
    ErrorCode.CONFLICT: "Someone changed this at the same time. Reload the page and try again.",
    ErrorCode.RATE_LIMITED: "Too many attempts. Wait a few minutes and try again.",
    ErrorCode.LOGIN_REQUIRED: "Please log in first.",
    ErrorCode.UNAUTHORIZED: "Missing or expired sign-in. Log in again.",
    ErrorCode.FORBIDDEN: "That request came from another site and was refused.",
    ErrorCode.METHOD_NOT_ALLOWED: "That kind of request is not allowed here.",
    ErrorCode.BODY_TOO_LARGE: "What you sent is too large.",
    ErrorCode.MALFORMED_REQUEST: "We could not read that request. Reload the page and try again.",
    ErrorCode.INTERNAL_ERROR: "Something went wrong on our side; it has been logged. Try again in a moment.",
    ErrorCode.FILE_TOO_LARGE: "This file is larger than the upload limit.",
    ErrorCode.FILE_EMPTY: "This file is empty.",
    ErrorCode.STORAGE_UNAVAILABLE: "File storage is not reachable right now. Try again in a moment.",
    ErrorCode.RANGE_NOT_SATISFIABLE: "That part of the file does not exist; the file is shorter.",
    ErrorCode.INVALID_CREDENTIALS: "Email or password is not correct.",
    ErrorCode.EMAIL_UNVERIFIED: "Confirm your email address first. Use the link we emailed you, "
                                "or ask for a new one below.",
    ErrorCode.PASSWORD_TOO_SHORT: "Use at least 8 characters for your password.",
    ErrorCode.PASSWORD_TOO_LONG: "Use at most 256 characters for your password.",
    ErrorCode.COMMON_PASSWORD: "This password is too common; choose another one.",
    ErrorCode.INVALID_EMAIL: "Enter a valid email address.",
    ErrorCode.EMAIL_TAKEN: "That email address is already in use.",
    ErrorCode.SAME_EMAIL: "That is already your email address.",
    ErrorCode.INVALID_DISPLAY_NAME: "Your name must be 1 to 100 characters.",
    ErrorCode.INVALID_TOKEN: "This link is invalid or has expired; ask for a new one.",
    ErrorCode.WRONG_PASSWORD: "Your current password is not correct.",
    ErrorCode.CONFIRM_EMAIL_MISMATCH: "Type your email address exactly as shown to confirm.",
    ErrorCode.GOOGLE_FAILED: "Google sign-in did not complete. Try again or use your password.",
    ErrorCode.INVALID_ROLE: "Choose the role user or admin.",
    ErrorCode.INVALID_PLAN: "Choose one of the plans Free, Pro or Label.",
    ErrorCode.LAST_ADMIN: "This is the last active admin. Make someone else an admin first.",
    ErrorCode.UNKNOWN_JOB_KIND: "That kind of job does not exist.",
    ErrorCode.JOB_FINISHED: "That job has already finished.",
    ErrorCode.PAYMENTS_UNAVAILABLE: "The payment service did not complete that. Nothing was charged; try again "
                                    "in a moment.",
    ErrorCode.WEBHOOK_REFUSED: "That webhook was refused: its signature, timestamp or body is not valid.",
    ErrorCode.NO_BILLING_ACCOUNT: "You have no subscription to manage yet. Choose a plan first.",
    ErrorCode.NOT_CONFIGURED: "This is not set up on this server yet; ask the administrator.",
    ErrorCode.CARD_DECLINED: "Your card was declined. Nothing was charged and your plan is unchanged; try "
                             "another card.",
    ErrorCode.LISTING_NOT_READY: "This listing is not ready to publish yet; the message lists what to add.",
    ErrorCode.SELLER_NOT_READY: "Finish setting up your seller account (payouts) before you publish.",
    ErrorCode.ZIP_REFUSED: "This ZIP file was refused; the message says why. Fix it and upload it again.",
    ErrorCode.CART_CURRENCY_MISMATCH: "Everything in one cart must be in one currency. Check out the cart first, "
                                      "or remove its items, then add this one.",
    ErrorCode.LISTING_UNAVAILABLE: "This item is no longer for sale. Remove it from your cart; nothing was charged.",
    ErrorCode.EXCLUSIVE_TAKEN: "The exclusive license of this beat is taken or being bought by someone else. "
                               "Choose a lease instead; nothing was charged.",
    ErrorCode.DOWNLOAD_REVOKED: "This download was cancelled because the purchase was refunded or disputed.",
    ErrorCode.DOWNLOAD_EXPIRED: "This download link has expired. Open your order and get a new link.",
    ErrorCode.NOT_A_BUYER: "Only people who bought this item can review it.",
    ErrorCode.EMAIL_UNAVAILABLE: "We could not send the email right now. Try again in a few minutes.",
    ErrorCode.SOCIAL_UNAVAILABLE: "The social network could not be reached. Try again in a moment.",
    ErrorCode.SOCIAL_RECONNECT: "The social network no longer accepts our access to this account. "
                                "Connect the account again.",
}


def message_for(code: str) -> str:
    """The plain-language message for a code ('' for an empty code, the generic one if unknown)."""
    if not code:
        return ""
    try:
        return MESSAGES[ErrorCode(code)]
    except ValueError:
        return MESSAGES[ErrorCode.INVALID_INPUT]


class DomainError(Exception):
    """Base: `message` is safe to show to the user; `code` is an ErrorCode."""

    code: ErrorCode = ErrorCode.INVALID_INPUT
    http_status = 400

    def __init__(self, message: str | None = None, *, code: ErrorCode | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message or MESSAGES[self.code]
        super().__init__(self.message)


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT
    http_status = 422


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    http_status = 404


class PermissionDenied(DomainError):
    code = ErrorCode.PERMISSION_DENIED
    http_status = 403


class AuthenticationFailed(DomainError):
    """Wrong credentials or an invalid/expired session or token (same message for every cause)."""

    code = ErrorCode.INVALID_CREDENTIALS
    http_status = 401


class LoginRequired(DomainError):
    code = ErrorCode.LOGIN_REQUIRED
    http_status = 401


class PlanLimitReached(DomainError):
    code = ErrorCode.PLAN_LIMIT_REACHED
    http_status = 402


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    http_status = 409


class WaitingForEarlierEvent(Conflict):
    """A provider event that needs one not applied yet (a refund or dispute before its payment): tried again
    by every drain, after the rest of its batch, and not counted as a failed attempt."""


class StorageUnavailable(DomainError):
    """The storage service (an S3 bucket) failed or did not answer; the details are logged, not shown."""

    code = ErrorCode.STORAGE_UNAVAILABLE
    http_status = 503


class ConfigurationMissing(DomainError):
    """A feature needs settings this server does not have (the message names them)."""

    code = ErrorCode.NOT_CONFIGURED
    http_status = 503


class NetworkUnavailable(DomainError):
    """A social network (or another outside service) failed or did not answer; try again later."""

    code = ErrorCode.SOCIAL_UNAVAILABLE
    http_status = 503


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
    http_status = 429

    def __init__(self, message: str | None = None, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class EmailUnavailable(DomainError):
    """The mail server refused or did not answer; nothing was sent (the attempt is in the outbox)."""

    code = ErrorCode.EMAIL_UNAVAILABLE
    http_status = 503


def invalid(code: ErrorCode, message: str | None = None) -> InvalidInput:
    """An InvalidInput with a specific code (its message defaults to the code's message)."""
    return InvalidInput(message, code=code)
