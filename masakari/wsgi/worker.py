"""gunicorn's threaded worker, with requests read in its event loop.

gunicorn's gthread worker hands a new connection to a thread as soon as it
is accepted (or as soon as a few bytes arrive), and the thread then blocks
until the whole request head has come in. A few dozen clients that send
half a request line and stall therefore hold every thread, and nothing
else is answered. This worker reads the request head, and a body of at
most ``[oslo_middleware] max_request_body_size``, in the worker's event
loop without blocking; a thread gets the connection only once the request
is there. What a connection may take to send its request is bounded by
``[wsgi] client_socket_timeout``, after which it is closed.

A body over the size limit is answered (413) without being read; what is
left of it is then read and thrown away in the event loop too, so that
the connection serves its next request, as upstream's server does.

Nor can idle connections stop a worker from accepting new ones, or from
stopping, or block its event loop when they are closed.
"""
import errno
import selectors
import socket
import ssl
import time
from functools import partial

from gunicorn import http
from gunicorn import sock as gunicorn_sock
from gunicorn.workers import gthread
from oslo_config import cfg
from oslo_middleware import sizelimit

CONF = cfg.CONF
RECV_SIZE = 65536
# Data read of a chunked body past the size limit before its request goes
# to a thread: enough for the application to read past the limit and refuse
# it without waiting on the client.
CHUNKED_MARGIN = 4 * 65536
# As gunicorn's graceful close.
LINGER_SECONDS = 2.0


class BodyScanner:
    """Finds where a request body ends in the bytes that follow its head:
    ``length`` bytes, or a chunked body (RFC 9112 section 7.1) when
    ``length`` is None. Counts the body's data bytes as it goes."""

    MAX_LINE = 8192

    def __init__(self, length: int | None):
        self.remaining = length
        self.chunked = length is None
        self.data_bytes = 0
        self.line = b''
        self.in_trailer = False
        self.done = length == 0
        self.fed = 0  # bytes of the connection's buffer fed so far

    def feed(self, data: bytes) -> int | None:
        """Takes the next bytes; returns how many of them belong to the
        body once its end is among them, else None. ValueError when the
        chunked framing is broken."""
        if not self.chunked:
            used = min(self.remaining, len(data))
            self.remaining -= used
            self.data_bytes += used
            self.done = self.remaining == 0
            return used if self.done else None
        at = 0
        while at < len(data):
            if self.remaining:
                # Chunk data, then its CRLF (counted in ``remaining``).
                used = min(self.remaining, len(data) - at)
                self.data_bytes += max(0, min(used, self.remaining - 2))
                self.remaining -= used
                at += used
                continue
            end = data.find(b'\n', at)
            if end < 0:
                self.line += data[at:]
                if len(self.line) > self.MAX_LINE:
                    raise ValueError('chunk size line too long')
                return None
            line = (self.line + data[at:end]).rstrip(b'\r')
            self.line = b''
            if len(line) > self.MAX_LINE:
                raise ValueError('chunk size or trailer line too long')
            at = end + 1
            if self.in_trailer:
                if not line:
                    self.done = True
                    return at
                continue
            size = int(line.split(b';', 1)[0].strip() or b'x', 16)
            if size < 0:
                raise ValueError('negative chunk size')
            if size == 0:
                self.in_trailer = True
            else:
                self.remaining = size + 2
        return None


def _body_framing(head: bytes) -> tuple[int | None, bool] | None:
    """(Content-Length or None for chunked, Expect: 100-continue) of a
    request head; None when it has no body or when gunicorn's parser is
    the one to judge it (several lengths, an unknown coding...)."""
    lengths, codings, expect = [], [], False
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        name, value = name.strip().lower(), value.strip().lower()
        if name == b'content-length':
            lengths.append(value)
        elif name == b'transfer-encoding':
            codings.append(value)
        elif name == b'expect':
            expect = value == b'100-continue'
    if codings:
        if lengths or codings != [b'chunked']:
            return None
        return None, expect
    if len(lengths) != 1 or not lengths[0].isdigit():
        return None
    length = int(lengths[0])
    return (length, expect) if length else None


class _TrackedSocket:
    """The socket as a thread reads a request whose body did not all come
    in the event loop: what is read is also fed to the body's scanner, so
    that whatever is left of the body can be discarded in the event loop
    afterwards."""

    def __init__(self, sock, scanner: BodyScanner):
        self.sock, self.scanner = sock, scanner

    def recv(self, size: int) -> bytes:
        data = self.sock.recv(size)
        if not self.scanner.done:
            self.scanner.feed(data)
        return data

    def gettimeout(self):
        return self.sock.gettimeout()

    def settimeout(self, timeout) -> None:
        self.sock.settimeout(timeout)


class Connection(gthread.TConn):
    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, sock, client, server)
        self.buffer = bytearray()
        self.deadline = None
        self.handshaking = False
        self.body = None           # BodyScanner of the request being read
        self.head_length = 0
        self.scanned = 0            # bytes of buffer searched for the head
        self.polled = False         # registered with the worker's poller
        self.whole_request = False  # body end read before the thread runs
        self.drain = None           # BodyScanner of a body left to discard
        self.continue_sent = False
        self.linger = None          # the worker's lingering close

    def close(self, graceful=False):
        if graceful and self.linger is not None:
            self.linger(self)
        else:
            super().close()


class HeadReadingWorker(gthread.ThreadWorker):
    """gunicorn's gthread worker, except that a connection reaches a thread
    only with its whole request head (and body, up to the size limit)."""

    def init_process(self):
        CONF.register_opts(sizelimit.OPTS, group='oslo_middleware')
        self.client_timeout = CONF.wsgi.client_socket_timeout or None
        self.max_body = CONF.oslo_middleware.max_request_body_size
        self.max_head = (self.cfg.limit_request_line + 4 +
                         (self.cfg.limit_request_fields + 1) *
                         (self.cfg.limit_request_field_size + 2))
        # Connections in the event loop waiting for their request, oldest
        # first (dicts keep insertion order).
        self.reading = {}
        self.stop_deadline = None
        # Closed connections still read from until the client closes too.
        self.lingering = {}
        if self.cfg.is_ssl:
            self.ssl_context = gunicorn_sock.ssl_context(self.cfg)
        super().init_process()

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED,
                                   errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = Connection(self.cfg, client_sock, client_addr,
                          listener.getsockname())
        conn.linger = self._linger
        if self.cfg.is_ssl:
            conn.sock = self.ssl_context.wrap_socket(
                client_sock, server_side=True, do_handshake_on_connect=False,
                suppress_ragged_eofs=self.cfg.suppress_ragged_eofs)
            conn.handshaking = True
        self.enqueue_req(conn)
        if self.nr_conns >= self.worker_connections and \
                len(self.reading) > 1:
            # Full: make room by dropping the connection that has waited
            # longest without sending its request, rather than stop
            # accepting (which a crowd of idle connections could force).
            self._drop(next(iter(self.reading)))

    def enqueue_req(self, conn):
        """Every way into a thread goes through here: the request is read
        in the event loop first, unless it is already there."""
        if not isinstance(conn, Connection) or conn.whole_request:
            return super().enqueue_req(conn)
        if conn.parser is not None:
            # Bytes a previous read took past the end of its request.
            conn.buffer[:0] = conn.parser.unreader.take_buffered()
        conn.sock.setblocking(False)
        conn.deadline = (time.monotonic() + self.client_timeout
                         if self.client_timeout else None)
        if self.stop_deadline is not None:
            conn.deadline = min(conn.deadline or self.stop_deadline,
                                self.stop_deadline)
        self.reading[conn] = None
        # A kept-alive connection comes back here once readable: its request
        # is usually there already and goes to a thread without a poll.
        self._on_readable(conn, None)

    def _on_readable(self, conn, _sock):
        try:
            ready = self._read_request(conn)
        except (OSError, ValueError, ssl.SSLError):
            ready = None
        if ready is None:
            self._drop(conn)
        elif ready:
            del self.reading[conn]
            if conn.polled:
                self.poller.unregister(conn.sock)
                conn.polled = False
            self._hand_over(conn)
        elif not conn.polled:
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self._on_readable, conn))
            conn.polled = True

    def _read_request(self, conn) -> bool | None:
        """Reads what the socket has; True when the request is complete
        enough for a thread, None when the connection is to be closed."""
        if conn.handshaking:
            try:
                conn.sock.do_handshake()
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return False
            conn.handshaking = False
        if conn.buffer and self._request_complete(conn):
            return True
        while True:
            try:
                data = conn.sock.recv(RECV_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError,
                    ssl.SSLWantWriteError):
                return False
            if not data:
                return None
            if conn.drain is not None:
                used = conn.drain.feed(data)
                if used is None:
                    continue
                conn.drain = None
                data = data[used:]
            conn.buffer += data
            if self._request_complete(conn):
                return True

    def _request_complete(self, conn) -> bool:
        if conn.body is None:
            # Searched from where the last search stopped: a head sent a
            # byte at a time must not cost a scan of all of it per byte.
            end = conn.buffer.find(b'\r\n\r\n', max(0, conn.scanned - 3))
            conn.scanned = len(conn.buffer)
            if end < 0:
                # An overlong head goes to gunicorn's parser to be refused.
                return len(conn.buffer) > self.max_head
            head_end = end + 4
            conn.head_length = head_end
            framing = _body_framing(bytes(conn.buffer[:head_end]))
            if framing is None:
                conn.whole_request = True
                return True
            length, expect = framing
            conn.body = BodyScanner(length)
            if length is not None and length > self.max_body:
                # Answered 413 without the body being read.
                self._feed_body(conn)
                return True
            if expect and len(conn.buffer) == head_end:
                # The client waits for this before it sends the body.
                conn.sock.send(b'HTTP/1.1 100 Continue\r\n\r\n')
                conn.continue_sent = True
        if self._feed_body(conn):
            return True
        # A chunked body over the limit: the application reads just past
        # the limit, in reads of up to 64 KiB, from what is here, and
        # answers 413.
        return (conn.body.data_bytes > self.max_body + CHUNKED_MARGIN or
                conn.body.fed > 8 * self.max_body + self.max_head)

    def _feed_body(self, conn) -> bool:
        start = conn.head_length + conn.body.fed
        new = bytes(conn.buffer[start:])
        conn.body.fed += len(new)
        if conn.body.feed(new) is not None:
            conn.whole_request = True
        return conn.whole_request

    def _hand_over(self, conn):
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        if not conn.whole_request and conn.body is not None:
            conn.parser.unreader.sock = _TrackedSocket(conn.sock, conn.body)
        conn.parser.unreader.unread(bytes(conn.buffer))
        conn.buffer = bytearray()
        conn.scanned = 0
        conn.data_ready = True
        gthread.ThreadWorker.enqueue_req(self, conn)

    def finish_request(self, conn, fs):
        if (getattr(conn, 'drain', None) is not None and self.alive
                and not fs.cancelled() and fs.exception() is None
                and fs.result() is True):
            self.enqueue_req(conn)
            return
        super().finish_request(conn, fs)

    def _drop(self, conn):
        self.reading.pop(conn, None)
        if conn.polled:
            conn.polled = False
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        super().murder_pending()
        now = time.monotonic()
        if not self.alive and self.stop_deadline is None:
            # Stopping: a request already on its way is still served, but
            # a connection that sends none must not hold the worker up.
            self.stop_deadline = now + gthread.STOP_KEEPALIVE_LINGER
            for conn in self.reading:
                conn.deadline = min(conn.deadline or self.stop_deadline,
                                    self.stop_deadline)
        for conn in list(self.reading):
            if conn.deadline is None or conn.deadline > now:
                break
            self._drop(conn)
        for conn, deadline in list(self.lingering.items()):
            if deadline > now:
                break
            self._end_linger(conn)

    def _linger(self, conn):
        """gunicorn's graceful close (RFC 9112 section 9.6: send FIN, read
        until the client closes, so that unread bytes do not make the kernel
        reset the connection and cut the response short), without blocking
        the event loop for a client that never closes."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.setblocking(False)
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self._on_linger_readable, conn))
        except (OSError, ValueError):
            gthread.TConn.close(conn)
            return
        self.lingering[conn] = time.monotonic() + LINGER_SECONDS

    def _on_linger_readable(self, conn, _sock):
        try:
            while conn.sock.recv(RECV_SIZE):
                pass
        except (BlockingIOError, ssl.SSLWantReadError):
            return
        except OSError:
            pass
        self._end_linger(conn)

    def _end_linger(self, conn):
        del self.lingering[conn]
        try:
            self.poller.unregister(conn.sock)
        except (KeyError, ValueError, OSError):
            pass
        gthread.TConn.close(conn)

    def handle_request(self, req, conn):
        if getattr(conn, 'continue_sent', False):
            req._expected_100_continue = False
        conn.sock.settimeout(self.client_timeout)
        try:
            return super().handle_request(req, conn)
        except TimeoutError:
            self.log.debug('Client too slow sending its request body or '
                           'reading the answer: connection closed')
            return False

    def _keepalive_after(self, conn, keepalive):
        if not isinstance(conn, Connection):
            return super()._keepalive_after(conn, keepalive)
        whole, scanner = conn.whole_request, conn.body
        conn.whole_request, conn.body, conn.continue_sent = False, None, False
        if not keepalive:
            return False
        conn.parser.unreader.sock = conn.sock
        if whole or scanner is None or scanner.done:
            # The body's end was read: discarding what the application left
            # reads only what is buffered.
            return bool(conn.parser.finish_body())
        # The rest of a body that was too large is discarded in the event
        # loop, before the next request on the connection is read.
        conn.parser.unreader.take_buffered()
        conn.parser.mesg = None
        conn.drain = scanner
        return True

