"""Declaring a controller action's contract next to it: its policy rule,
its request schema per microversion and its success status."""
import dataclasses

import webob

from masakari import policy
from masakari.api import validation


@dataclasses.dataclass
class ApiRequest:
    context: object
    version: tuple[int, int]
    params: webob.multidict.MultiDict
    body: object
    environ: dict

    def at_least(self, major: int, minor: int) -> bool:
        return self.version >= (major, minor)


def expose(rule: str, status: int = 200, schemas: dict | None = None):
    """``schemas`` maps the lowest microversion a schema applies from to the
    schema; the body is validated before the policy check, as upstream."""
    def decorate(function):
        def run(controller, request: ApiRequest, *args):
            if schemas:
                applicable = [v for v in schemas if request.version >= v]
                validation.validate(schemas[max(applicable)], request.body)
            policy.authorize(request.context, rule)
            return function(controller, request, *args)
        run.status = status
        run.__name__ = function.__name__
        run.__doc__ = function.__doc__
        return run
    return decorate
