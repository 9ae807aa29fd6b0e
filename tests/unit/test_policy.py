"""The enforcer reads an edited policy file again, at most once a second."""
import json

import pytest
from oslo_config import cfg
from oslo_policy import opts as policy_opts

from masakari import context
from masakari import policy

RULE = 'os_masakari_api:segments:index'


@pytest.fixture
def enforcer(tmp_path, monkeypatch):
    policy_file = tmp_path / 'policy.json'
    policy_file.write_text(json.dumps({RULE: 'role:reader'}))
    conf = cfg.ConfigOpts()
    policy_opts.set_defaults(conf)
    conf([], default_config_files=[])
    conf.set_override('policy_file', str(policy_file), 'oslo_policy')
    clock = [1000.0]
    monkeypatch.setattr(policy.time, 'monotonic', lambda: clock[0])
    monkeypatch.setattr(policy, '_ENFORCER', None)
    enforcer = policy.get_enforcer(conf)
    yield enforcer, policy_file, clock
    policy.reset()


def test_edited_policy_file_is_read_after_the_interval(enforcer):
    enforcer, policy_file, clock = enforcer
    reader = context.RequestContext(roles=['reader'])
    assert enforcer.authorize(RULE, {}, reader)

    policy_file.write_text(json.dumps({RULE: 'role:nobody'}))
    clock[0] += policy.RELOAD_INTERVAL / 2
    assert enforcer.authorize(RULE, {}, reader)
    clock[0] += policy.RELOAD_INTERVAL
    assert not enforcer.authorize(RULE, {}, reader)
