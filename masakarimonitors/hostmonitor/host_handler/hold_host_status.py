"""What the pacemaker driver remembers about each peer between cycles."""
import collections

ONLINE = 'online'
OFFLINE = 'offline'
# Stabilised values that are not a host status.
BEING_COLLECTED = '_being_collected'
UNCERTAIN = '_uncertain'


def normalize(raw: str | None) -> str | None:
    """The status a raw ``crmd`` value means.

    Pacemaker >= 2.1.7 writes the controller's join time (an integer) or
    ``0`` instead of ``online``/``offline``; other values pass through.
    """
    if raw is None:
        return None
    try:
        return ONLINE if int(raw) > 0 else OFFLINE
    except ValueError:
        return raw


class HostHoldStatus:
    """``held``: each peer's last accepted raw status. ``windows``: the
    last ``samples`` normalized statuses seen of each peer."""

    def __init__(self, samples: int) -> None:
        self.samples = samples
        self.held: dict[str, str | None] = {}
        self.windows: dict[str, collections.deque] = {}

    def add_sample(self, name: str, current: str | None) -> None:
        window = self.windows.setdefault(
            name, collections.deque(maxlen=self.samples))
        window.append(current)

    def old_status(self, name: str) -> str | None:
        return normalize(self.held.get(name))

    def hold(self, name: str, raw: str | None) -> None:
        self.held[name] = raw

    def stabilised(self, name: str) -> str | None:
        """The window's common value, ``_being_collected`` while it is
        shorter than ``samples``, ``_uncertain`` when its values differ."""
        window = self.windows.get(name, ())
        if len(window) < self.samples:
            return BEING_COLLECTED
        if len(set(window)) == 1:
            return window[0]
        return UNCERTAIN
