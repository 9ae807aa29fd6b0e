"""Nova's (and Keystone's) errors as masakari exceptions, translated in one place.

400 -> InvalidInput, 403 -> Forbidden, 404 -> NotFound, 409 -> Conflict,
timeouts and connection failures -> MasakariException, each with Nova's (or
keystoneauth's) own text as its message, which operators then read in vmove
messages and logs. Other HTTP errors (401, 5xx) are left as they are; their
text names the URL and carries Nova's message too.
"""
import functools
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as sdk_exceptions

from masakari import exception

P = ParamSpec('P')
R = TypeVar('R')

# What Nova's and Keystone's clients raise: an answer or a failure of the
# cloud, not a bug of masakari.
CLIENT_ERRORS = (sdk_exceptions.SDKException, ks_exceptions.ClientException)


def _status_and_text(error: Exception) -> tuple[int | None, str]:
    if isinstance(error, sdk_exceptions.HttpException):
        return error.status_code, error.details or str(error)
    if isinstance(error, ks_exceptions.HttpError):
        return error.http_status, error.message or str(error)
    return None, str(error)


def _unreachable(error: BaseException | None) -> bool:
    # keystoneauth reports an unreachable Keystone during discovery as a
    # DiscoveryFailure raised while handling the connection error.
    while error is not None:
        if isinstance(error, (ks_exceptions.ConnectionError, ks_exceptions.RequestTimeout)):
            return True
        error = error.__cause__ or error.__context__
    return False


def translate(error: Exception) -> Exception:
    """The exception masakari raises for ``error`` (``error`` itself if unmapped)."""
    if _unreachable(error):
        return exception.MasakariException(str(error), reason=str(error))
    status, text = _status_and_text(error)
    if status == 400:
        return exception.InvalidInput(reason=text)
    if status == 403:
        return exception.Forbidden(text)
    # Given as the message: these classes' own texts ("Conflict.",
    # "Resource could not be found.") would hide what Nova refused and why.
    if status == 404:
        return exception.NotFound(text, reason=text)
    if status == 409:
        return exception.Conflict(text, reason=text)
    return error


def translate_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with Nova's errors translated."""
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except CLIENT_ERRORS as error:
            translated = translate(error)
            if translated is error:
                raise
            raise translated from error
    return wrapper
