"""The real ``openstack`` CLI (python-openstackclient with
python-masakariclient) run as admin of project admin against the test
Keystone."""
import json
import os
import pathlib
import re
import subprocess
import sys
import urllib.parse

from tests.support import keystone as ks

OPENSTACK = pathlib.Path(sys.executable).with_name('openstack')
# keystoneauth's --debug log: the request line and the response body.
REQUEST_URL = re.compile(r'^REQ: curl -g -i -X GET "?([^"\s]+)')
RESPONSE_BODY = 'RESP BODY: '


class CLI:
    """Runs ``openstack`` as admin of project admin against the real Keystone."""

    def __init__(self, auth_url: str, cwd: pathlib.Path):
        creds = ks.ADMIN
        # No OS_* leaking in from the caller, and a cwd without clouds.yaml.
        self.env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        self.env.update(
            OS_AUTH_URL=auth_url, OS_IDENTITY_API_VERSION='3',
            OS_USERNAME=creds.username, OS_PASSWORD=creds.password,
            OS_PROJECT_NAME=creds.project_name,
            OS_USER_DOMAIN_NAME=creds.user_domain_name,
            OS_PROJECT_DOMAIN_NAME=creds.project_domain_name,
            OS_REGION_NAME=ks.REGION, PYTHONWARNINGS='ignore')
        self.cwd = cwd

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(OPENSTACK), *args], env=self.env, cwd=self.cwd,
                              capture_output=True, text=True, timeout=120)

    def json(self, *args: str):
        result = self.run(*args, '-f', 'json')
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout)

    def fails(self, *args: str) -> str:
        """Runs a command that must fail cleanly; returns its stderr."""
        result = self.run(*args)
        assert result.returncode == 1, (result.returncode, result.stdout, result.stderr[-3000:])
        assert result.stdout == ''
        assert 'Traceback' not in result.stderr, result.stderr
        return result.stderr.strip()

    def listing(self, key: str, *args: str):
        """A list command run with --debug: its rows, and for each GET of the
        ``key`` collection the (limit, marker) sent and how many items came back."""
        result = self.run(*args, '-f', 'json', '--debug')
        assert result.returncode == 0, result.stderr[-3000:]
        sent, sizes = [], []
        for line in result.stderr.splitlines():
            if match := REQUEST_URL.match(line):
                url = urllib.parse.urlsplit(match.group(1))
                if url.path.endswith('/' + key):
                    query = urllib.parse.parse_qs(url.query)
                    sent.append((query.get('limit', [None])[0],
                                 query.get('marker', [None])[0]))
            elif line.startswith(RESPONSE_BODY):
                body = json.loads(line[len(RESPONSE_BODY):])
                if key in body:
                    sizes.append(len(body[key]))
        assert len(sent) == len(sizes)
        pages = [(limit, marker, size) for (limit, marker), size in zip(sent, sizes)]
        return json.loads(result.stdout), pages
