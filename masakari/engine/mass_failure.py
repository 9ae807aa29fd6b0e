"""The mass-failure guard: when more than ``[host_failure]
mass_failure_share`` of a segment's hosts failed within
``mass_failure_window`` seconds, their recoveries are held, not run: many
hosts failing together is more likely a network partition or a monitor
fault than hardware, and fencing and evacuating them would do harm.

A held notification stays ``new`` with a message starting with HELD; the
engine leaves it alone until ``masakari-manage segment release`` replaces
the message with RELEASED (the engine then recovers it without asking the
guard again), or it expires.
"""
HELD = 'Held by the mass-failure guard: '
RELEASED = 'Released by an operator from the mass-failure guard.'


def is_held(message: str | None) -> bool:
    return bool(message) and message.startswith(HELD)


def hold_reason(failed: int, total: int, share: float, window: int, segment: str) -> str | None:
    """Why a segment's host failures are held, or None when they are not."""
    if not share or failed <= share * total:
        return None
    return (f'{HELD}{failed} of {total} hosts of segment {segment} failed within '
            f'{window} s, more than {share:.0%}: a network partition or a monitor fault '
            f'is likely. Release with: masakari-manage segment release {segment}')
