"""Every entry point declared in setup.cfg names an object that exists."""
import configparser
from importlib import metadata
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parents[2] / 'setup.cfg'


def declared_entry_points() -> list[metadata.EntryPoint]:
    setup = configparser.ConfigParser(interpolation=None)
    setup.read(SETUP_CFG)
    entry_points = []
    for group, lines in setup['options.entry_points'].items():
        for line in filter(None, lines.splitlines()):
            name, value = (part.strip() for part in line.split('=', 1))
            entry_points.append(metadata.EntryPoint(name, value, group))
    return entry_points


def test_every_entry_point_loads():
    entry_points = declared_entry_points()
    groups = {ep.group for ep in entry_points}
    assert {'console_scripts', 'oslo.config.opts', 'oslo.policy.policies',
            'masakari.task_flow.tasks', 'hostmonitor.driver'} <= groups
    unresolved = []
    for ep in entry_points:
        try:
            assert callable(ep.load())
        except (ImportError, AttributeError, AssertionError) as error:
            unresolved.append(f'{ep.group}: {ep.name} = {ep.value} ({error!r})')
    assert not unresolved, '\n'.join(unresolved)
