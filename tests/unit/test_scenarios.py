"""The scenario folders of tests/scenarios/: each run gives its reviewed
expected.log, line for line (format: doc/source/scenarios.rst)."""
import pathlib

import pytest

from masakari.scenario import runner

FOLDERS = sorted(path.parent for path in
                 (pathlib.Path(__file__).parents[1] / 'scenarios').glob('*/cloud.yaml'))


@pytest.mark.parametrize('folder', FOLDERS, ids=[folder.name for folder in FOLDERS])
def test_scenario(folder):
    readme = (folder / 'README').read_text().strip()
    assert readme and '\n' not in readme, 'README: one line saying what the scenario shows'
    lines = runner.run(folder)
    expected = folder / runner.EXPECTED
    if not expected.exists():
        expected.write_text('\n'.join(lines) + '\n')
        pytest.fail(f'{expected} was missing; written now: review it, then commit it')
    difference = runner.compare(folder, lines)
    assert not difference, '\n'.join(difference)
