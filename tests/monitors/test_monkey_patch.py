"""[DEFAULT] monkey_patch / monkey_patch_modules."""
import importlib

import pytest

from masakarimonitors import monkey_patch
from masakarimonitors.conf import CONF
from tests.monitors import patch_target

ITEM = 'tests.monitors.patch_target:tests.monitors.patch_target.record'


@pytest.fixture
def target():
    yield importlib.reload(patch_target)
    importlib.reload(patch_target)


def test_listed_module_is_decorated(monitors_conf, target):
    monitors_conf({'DEFAULT': {'monkey_patch': True,
                               'monkey_patch_modules': ITEM}})
    monkey_patch.apply(CONF)
    assert target.double(2) == 4 and target.Thing().value() == 7
    assert target.CALLS == ['tests.monitors.patch_target.double',
                            'tests.monitors.patch_target.Thing.value']


def test_switched_off_does_nothing(monitors_conf, target):
    monitors_conf({'DEFAULT': {'monkey_patch_modules': ITEM}})
    monkey_patch.apply(CONF)
    target.double(1)
    assert target.CALLS == []


@pytest.mark.parametrize('item', ['a.b', 'a:b:c'])
def test_malformed_item_raises(monitors_conf, item):
    monitors_conf({'DEFAULT': {'monkey_patch': True,
                               'monkey_patch_modules': item}})
    with pytest.raises(ValueError, match=monkey_patch.MISCONFIGURED):
        monkey_patch.apply(CONF)
