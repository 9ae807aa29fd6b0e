"""The optional decorator patcher ([DEFAULT] monkey_patch*): wraps every
function and method defined in the listed modules with a decorator,
called as ``decorator(qualified_name, function)``."""
import importlib
import inspect

from oslo_config import cfg
from oslo_utils import importutils

MISCONFIGURED = "'monkey_patch_modules' config option is not configured correctly"


def apply(conf: cfg.ConfigOpts) -> None:
    if not conf.monkey_patch:
        return
    for item in conf.monkey_patch_modules:
        parts = item.split(':')
        if len(parts) != 2:
            raise ValueError(MISCONFIGURED)
        module_name, decorator_name = parts
        decorator = importutils.import_class(decorator_name)
        module = importlib.import_module(module_name)
        _patch_module(module, decorator)


def _patch_module(module, decorator) -> None:
    for name, member in inspect.getmembers(module):
        if getattr(member, '__module__', None) != module.__name__:
            continue
        qualified = f'{module.__name__}.{name}'
        if inspect.isfunction(member):
            setattr(module, name, decorator(qualified, member))
        elif inspect.isclass(member):
            for method_name, method in list(vars(member).items()):
                if inspect.isfunction(method):
                    setattr(member, method_name, decorator(
                        f'{qualified}.{method_name}', method))
