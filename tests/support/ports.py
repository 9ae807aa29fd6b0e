"""Free loopback ports for the servers that tests start."""
import socket


def free_port(host: str = '127.0.0.1') -> int:
    """A port nothing listens on now; the kernel may hand it out again later."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
