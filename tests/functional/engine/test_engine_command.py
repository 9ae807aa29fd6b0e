"""masakari-engine refuses to start, with one clear log line and exit
status 1, when its driver cannot run."""
import subprocess

import pytest

from tests.support import api_server
from tests.support.engine_server import EngineServer


@pytest.mark.parametrize('extra, message', [
    ('[DEFAULT]\nnotification_driver = no_such_driver\n',
     "Failed to load the notification driver 'no_such_driver'"),
    ('[DEFAULT]\nnotification_driver =\n',
     'Notification driver option required, but not specified'),
])
def test_driver_problems_stop_the_engine(tmp_path, extra, message):
    config = api_server.write_config(tmp_path / 'masakari.conf',
                                     f'sqlite:///{tmp_path}/m.sqlite', 1, extra=extra)
    engine = EngineServer(config, tmp_path / 'engine.log')
    with pytest.raises(RuntimeError, match='exited'):
        engine.start()
    assert engine.process.returncode == 1
    log = engine.log_text()
    assert message in log and 'Traceback' not in log


def test_taskflow_connection_is_required(tmp_path):
    config = tmp_path / 'masakari.conf'
    config.write_text(f'[DEFAULT]\ntransport_url = fake:/\n'
                      f'[database]\nconnection = sqlite:///{tmp_path}/m.sqlite\n')
    result = subprocess.run([str(api_server.BIN / 'masakari-engine'), '--config-file',
                             str(config)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert '[taskflow] connection should be configured to use this driver.' in output
    assert 'Traceback' not in output
