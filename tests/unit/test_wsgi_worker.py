"""Where masakari-api's worker finds the end of a request body that comes
in pieces: with a length, or chunked."""
import pytest

from masakari.wsgi import worker

CHUNKED = b'4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n'
NEXT = b'GET / HTTP/1.1\r\n\r\n'


def _feed_in_pieces(scanner, data, size):
    """Feeds ``data`` ``size`` bytes at a time; returns the offset in
    ``data`` where the body ended, or None."""
    for start in range(0, len(data), size):
        used = scanner.feed(data[start:start + size])
        if used is not None:
            return start + used
    return None


@pytest.mark.parametrize('size', [1, 2, 3, 7, 1000])
def test_chunked_body_end_is_found_however_it_is_split(size):
    scanner = worker.BodyScanner(None)
    assert _feed_in_pieces(scanner, CHUNKED + NEXT, size) == len(CHUNKED)
    assert scanner.done
    assert scanner.data_bytes == len(b'Wikipedia')


@pytest.mark.parametrize('size', [1, 4, 1000])
def test_length_body_end_is_found_however_it_is_split(size):
    scanner = worker.BodyScanner(10)
    assert _feed_in_pieces(scanner, b'0123456789' + NEXT, size) == 10
    assert scanner.data_bytes == 10


def test_unfinished_chunked_body_counts_its_data():
    scanner = worker.BodyScanner(None)
    assert scanner.feed(b'a\r\n01234') is None
    assert scanner.data_bytes == 5
    assert not scanner.done


@pytest.mark.parametrize('data', [b'zz\r\n', b'-1\r\n', b'1' * 9000 + b'\r\n',
                                  b'1' * 9000])
def test_broken_chunk_framing_is_refused(data):
    with pytest.raises(ValueError):
        worker.BodyScanner(None).feed(data)


@pytest.mark.parametrize('head, framing', [
    (b'GET / HTTP/1.1\r\nHost: x\r\n\r\n', None),
    (b'POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n', None),
    (b'POST / HTTP/1.1\r\ncontent-length: 12\r\n\r\n', (12, False)),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n'
     b'Expect: 100-Continue\r\n\r\n', (None, True)),
    # Left to gunicorn's parser, which refuses them.
    (b'POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
     None),
    (b'POST / HTTP/1.1\r\nContent-Length: 1\r\n'
     b'Transfer-Encoding: chunked\r\n\r\n', None),
    (b'POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', None),
    (b'POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', None),
])
def test_body_framing_of_a_head(head, framing):
    assert worker._body_framing(head) == framing
