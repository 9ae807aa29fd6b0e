"""A manager whose main() raises, for the daemon runner's tests."""


class Manager:
    def __init__(self, host=None):
        self.host = host

    def init_host(self):
        pass

    def main(self):
        raise RuntimeError('manager broke')

    def stop(self):
        pass
