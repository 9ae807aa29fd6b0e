"""The query API the rest of masakari calls; the only place that builds SQL.

Sessions come from oslo.db's enginefacade, configured from the [database]
options on first use (so API workers forked by the server each open their
own connections).
"""
from oslo_db.sqlalchemy import enginefacade

context_manager = enginefacade.transaction_context()


def configure(conf) -> None:
    context_manager.configure(**dict(conf.database.items()))


def get_engine():
    return context_manager.writer.get_engine()
