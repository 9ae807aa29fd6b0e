"""Reading the log records a test captured."""


def log_messages(caplog, logger: str) -> list[tuple[str, str]]:
    """(level name, message) of each record ``logger`` emitted, in order."""
    return [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == logger]
