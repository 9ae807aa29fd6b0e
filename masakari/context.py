"""The request context passed from the API down to the database and RPC."""
from oslo_context import context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """oslo.context's context plus the caller's address and catalog;
    ``is_admin`` decides every default policy."""

    def __init__(self, *args, remote_address: str | None = None,
                 service_catalog: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.remote_address = remote_address
        self.service_catalog = service_catalog or []

    def to_policy_values(self):
        # Default rules are "is_admin:True", so the flag must reach policy.
        values = super().to_policy_values()
        values['is_admin'] = self.is_admin
        return values

    def to_dict(self) -> dict:
        values = super().to_dict()
        values.update(remote_address=self.remote_address,
                      service_catalog=self.service_catalog)
        return values


def get_admin_context() -> RequestContext:
    return RequestContext(is_admin=True, overwrite=False)
