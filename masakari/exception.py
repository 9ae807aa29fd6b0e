"""Errors raised below the API layer.

Each carries the HTTP status the API answers with and the upstream message
text; the API renders them as faults without further mapping.
"""


class MasakariException(Exception):
    code = 500
    message = 'An unknown exception occurred.'

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.message % kwargs if kwargs else self.message
        super().__init__(message)

    def format_message(self) -> str:
        return self.args[0]


class Invalid(MasakariException):
    code = 400
    message = 'Bad Request - Invalid Parameters'


class ValidationError(Invalid):
    """A request body that fails its JSON schema; the message is final."""


class InvalidInput(Invalid):
    message = 'Invalid input received: %(reason)s'


class MarkerNotFound(Invalid):
    message = 'Marker %(marker)s could not be found.'


class InvalidSortKey(Invalid):
    message = "InvalidSortKey('Sort key supplied is invalid: %(key)s')"


class HostNotFoundByName(Invalid):
    message = 'Host with name %(host_name)s could not be found.'


class ComputeNotFoundByName(Invalid):
    message = 'Compute service with name %(compute_name)s could not be found.'


class NotificationWithoutVMoves(Invalid):
    message = 'This notification %(id)s without vm moves.'


class NotFound(MasakariException):
    code = 404
    message = 'Resource could not be found.'


class FailoverSegmentNotFound(NotFound):
    message = 'No failover segment with id %(id)s.'


class HostNotFound(NotFound):
    message = 'No host with id %(id)s.'


class HostNotFoundUnderFailoverSegment(NotFound):
    message = ("Host '%(host_uuid)s' under failover_segment "
               "'%(segment_uuid)s' could not be found.")


class NotificationNotFound(NotFound):
    message = 'No notification with id %(id)s.'


class VMoveNotFound(NotFound):
    message = 'No vm move with id %(id)s.'


class Conflict(MasakariException):
    code = 409
    message = 'Conflict.'


class FailoverSegmentExists(Conflict):
    message = 'Failover segment with name %(name)s already exists.'


class HostExists(Conflict):
    message = 'Host with name %(name)s already exists.'


class FailoverSegmentInUse(Conflict):
    message = ("Failover segment %(uuid)s can't be updated as it is in-use "
               "to process notifications.")


class FailoverSegmentInUseForDelete(Conflict):
    message = ("Failover segment (%(uuid)s) can't be deleted as it is in-use "
               "to process notifications.")


class HostInUse(Conflict):
    message = ("Host %(uuid)s can't be updated as it is in-use to process "
               "notifications.")


class HostInUseForDelete(Conflict):
    message = ("Host %(uuid)s can't be deleted as it is in-use to process "
               "notifications.")


class HostOnMaintenanceError(Conflict):
    message = ("Notification received from host %(host_name)s of type "
               "'%(type)s' is ignored as the host is already under "
               "maintenance.")


class DuplicateNotification(Conflict):
    message = ('Notification received from host %(host_name)s of type '
               '%(type)s is duplicate.')


class Forbidden(MasakariException):
    code = 403
    message = 'Forbidden'


class PolicyNotAuthorized(Forbidden):
    message = "Policy doesn't allow %(action)s to be performed."


class InvalidConfiguration(MasakariException):
    message = 'Configuration is Invalid.'


# -- recovery (engine) ---------------------------------------------------------

class FailoverSegmentDisabled(MasakariException):
    message = 'Failover segment %(uuid)s is disabled.'


class LockAlreadyAcquired(MasakariException):
    message = 'Lock is already acquired on %(resource)s.'


class CoordinationUnavailable(MasakariException):
    message = 'The coordination backend is not answering; %(resource)s is not locked.'


class ReservedHostsUnavailable(MasakariException):
    message = 'No reserved_hosts available for evacuation.'


class SkipHostRecoveryException(MasakariException):
    message = 'Skip host recovery.'


class HostRecoveryFailureException(MasakariException):
    message = 'Failed to execute host recovery.'


class InstanceEvacuateFailed(MasakariException):
    message = 'Failed to evacuate instance %(instance_uuid)s'


class SkipInstanceRecoveryException(MasakariException):
    message = 'Skipping execution of instance recovery workflow.'


class IgnoreInstanceRecoveryException(MasakariException):
    message = 'Ignore instance recovery.'


class InstanceRecoveryFailureException(MasakariException):
    message = 'Failed to execute instance recovery workflow.'


class SkipProcessRecoveryException(MasakariException):
    message = 'Skipping execution of process recovery workflow.'


class ProcessRecoveryFailureException(MasakariException):
    message = 'Failed to execute process recovery workflow.'
