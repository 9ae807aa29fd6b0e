"""A module for the monkey_patch test to decorate."""
CALLS = []


def record(name, function):
    def wrapper(*args, **kwargs):
        CALLS.append(name)
        return function(*args, **kwargs)
    return wrapper


def double(x):
    return 2 * x


class Thing:
    def value(self):
        return 7
