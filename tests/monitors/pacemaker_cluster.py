"""A pacemaker cluster on paper for the hostmonitor's default driver.

The real Pacemaker 2.1.5 ``cibadmin`` and ``crm_mon`` (from
``tools/pacemaker-tools.sh``) read a CIB file this module writes
(``CIB_file``); ``systemctl``, ``crmadmin``, ``tcpdump`` and ``ipmitool``
are shell stubs earlier in ``PATH`` whose answers come from files in a
state directory; the real ``timeout`` runs them. Every stub appends its
arguments to ``calls.log``.
"""
import os
import pathlib
import socket
import subprocess
from xml.sax.saxutils import quoteattr

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PACEMAKER_ROOT = REPO / '.pacemaker'
TOOLS_SCRIPT = REPO / 'tools' / 'pacemaker-tools.sh'
ME = socket.gethostname()

IPMI = {'userid': 'admin', 'passwd': 'secret', 'interface': 'lanplus'}


def ensure_pacemaker_tools(root: pathlib.Path = PACEMAKER_ROOT
                           ) -> pathlib.Path:
    """The private root holding the Pacemaker tools, fetched when missing.
    Fails (CI=true) or skips when they cannot be had."""
    result = subprocess.run([str(TOOLS_SCRIPT), str(root)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0 or not (root / 'usr/sbin/cibadmin').exists():
        message = ('Pacemaker CLI tools unavailable (tools/pacemaker-tools.sh '
                   f'exited {result.returncode}): {result.stderr.strip()}')
        if os.environ.get('CI') == 'true':
            pytest.fail(message)
        pytest.skip(message)
    return root


STUBS = {
    # systemctl status <svc>: state file service.<svc> says running,
    # stderr (exit 0 but complains) or, when absent, inactive (exit 3).
    'systemctl': '''
state=$(cat "$STATE/service.$2" 2>/dev/null)
case "$state" in
running) echo "* $2.service - active (running)"; exit 0 ;;
stderr) echo "* $2.service - active (running)"
        echo "Warning: $2.service changed on disk." >&2; exit 0 ;;
*) echo "* $2.service - inactive (dead)"; exit 3 ;;
esac
''',
    'crmadmin': '''
[ -f "$STATE/crmadmin.out" ] && cat "$STATE/crmadmin.out"
[ -f "$STATE/crmadmin.err" ] && cat "$STATE/crmadmin.err" >&2
exit "$(cat "$STATE/crmadmin.rc" 2>/dev/null || echo 0)"
''',
    # -i <iface>: traffic file tcpdump.<iface> says ok, hang (until the
    # real timeout kills it) or, when absent, a tcpdump error.
    'tcpdump': '''
iface=
while [ $# -gt 0 ]; do
    [ "$1" = "-i" ] && iface=$2
    shift
done
echo "tcpdump: verbose output suppressed, use -v for full decode" >&2
case "$(cat "$STATE/tcpdump.$iface" 2>/dev/null)" in
ok) echo "10:00:00.000000 IP 192.0.2.1.5404 > 192.0.2.2.5405: UDP, length 92"
    echo "1 packet captured" >&2; exit 0 ;;
hang) exec sleep 60 ;;
*) echo "tcpdump: $iface: No such device exists" >&2; exit 1 ;;
esac
''',
    # Keeps the password it was given through the environment (-E).
    'ipmitool': '''
printf '%s' "$IPMI_PASSWORD" > "$STATE/ipmitool.password"
cat "$STATE/ipmitool.out" 2>/dev/null
[ -f "$STATE/ipmitool.err" ] && cat "$STATE/ipmitool.err" >&2
exit "$(cat "$STATE/ipmitool.rc" 2>/dev/null || echo 0)"
''',
}


class FakeCluster:
    """A CIB file plus stubs. Edit the attributes, then ``write()``.

    ``nodes``: member name -> raw ``crmd`` (``None`` for no attribute);
    ``down`` lists members that corosync lost too (``in_ccm="false"``,
    which is what makes crm_mon report them offline). ``remotes``:
    pacemaker-remote name -> running. ``ipmi``: host -> IPMI address.
    """

    def __init__(self, directory: pathlib.Path,
                 root: pathlib.Path = PACEMAKER_ROOT) -> None:
        self.root = root
        self.bin = directory / 'bin'
        self.state = directory / 'state'
        self.cib_file = directory / 'cib.xml'
        self.bin.mkdir()
        self.state.mkdir()
        self.have_quorum: str | None = '1'
        self.nodes: dict[str, str | None] = {ME: 'online'}
        self.down: set[str] = set()
        self.remotes: dict[str, bool] = {}
        self.ipmi: dict[str, str] = {}
        self.with_status_section = True
        self._install_stubs()
        self.services(corosync=True, pacemaker=True, pacemaker_remote=False)
        self.crmadmin(f'Controller on {ME} in state S_IDLE: ok')
        self.traffic()
        self.ipmitool('Chassis Power is off')

    # -- the PATH the driver runs with -----------------------------------

    def tool_env(self) -> dict[str, str]:
        return dict(os.environ, LD_LIBRARY_PATH=(
            f'{self.root}/usr/lib/x86_64-linux-gnu:{self.root}/usr/lib'),
            PCMK_schema_directory=f'{self.root}/usr/share/pacemaker')

    def simulate(self, *args: str) -> None:
        """Runs the real crm_simulate on the CIB file, in place (e.g.
        ``-d node2`` takes node2 down as the controller would record it)."""
        out = self.cib_file.with_suffix('.sim')
        subprocess.run(
            [f'{self.root}/usr/sbin/crm_simulate', '-x', str(self.cib_file),
             *args, '-S', '-O', str(out)],
            env=self.tool_env(), check=True, capture_output=True)
        os.replace(out, self.cib_file)

    def _install_stubs(self) -> None:
        for name, body in STUBS.items():
            self._script(name, f'STATE={self.state}\n'
                               f'echo "{name} $*" >> "$STATE/calls.log"\n'
                               + body)
        libs = f'{self.root}/usr/lib/x86_64-linux-gnu:{self.root}/usr/lib'
        for tool in ('cibadmin', 'crm_mon'):
            self._script(tool, f'echo "{tool} $*" >> {self.state}/calls.log\n'
                               f'export CIB_file={self.cib_file}\n'
                               f'export LD_LIBRARY_PATH={libs}\n'
                               'export PCMK_schema_directory='
                               f'{self.root}/usr/share/pacemaker\n'
                               f'exec {self.root}/usr/sbin/{tool} "$@"\n')

    def _script(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text('#!/bin/sh\n' + body)
        path.chmod(0o755)

    def remove_tool(self, name: str) -> None:
        (self.bin / name).unlink()

    def path(self) -> str:
        return f'{self.bin}:{os.environ["PATH"]}'

    # -- stub answers ----------------------------------------------------

    def _set(self, name: str, value: str | None) -> None:
        path = self.state / name
        if value is None:
            path.unlink(missing_ok=True)
        else:
            path.write_text(value)

    def services(self, **running: bool | str) -> None:
        """service=True (running), False (inactive) or 'stderr'."""
        for service, state in running.items():
            value = {True: 'running', False: None}.get(state, state)
            self._set(f'service.{service}', value)

    def crmadmin(self, out: str, err: str | None = None, rc: int = 0
                 ) -> None:
        self._set('crmadmin.out', out + '\n')
        self._set('crmadmin.err', err and err + '\n')
        self._set('crmadmin.rc', str(rc))

    def traffic(self, **by_interface: str | None) -> None:
        """interface='ok' | 'hang' | None (tcpdump fails at once)."""
        for interface, mode in by_interface.items():
            self._set(f'tcpdump.{interface}', mode)

    def ipmitool(self, out: str, err: str | None = None, rc: int = 0
                 ) -> None:
        self._set('ipmitool.out', out + '\n')
        self._set('ipmitool.err', err and err + '\n')
        self._set('ipmitool.rc', str(rc))

    def ipmitool_password(self) -> str | None:
        """The IPMI_PASSWORD the last ipmitool run found in its
        environment."""
        path = self.state / 'ipmitool.password'
        return path.read_text() if path.exists() else None

    def calls(self, program: str | None = None) -> list[str]:
        log = self.state / 'calls.log'
        lines = log.read_text().splitlines() if log.exists() else []
        return [line for line in lines
                if program is None or line.split()[0] == program]

    # -- the CIB ---------------------------------------------------------

    def write(self) -> None:
        """Replaces the CIB file at once, so a reader never sees half."""
        tmp = self.cib_file.with_suffix('.tmp')
        tmp.write_text(self.cib_xml())
        os.replace(tmp, self.cib_file)

    def cib_xml(self) -> str:
        quorum = ('' if self.have_quorum is None
                  else f' have-quorum={quoteattr(self.have_quorum)}')
        ids = {name: str(i) for i, name in enumerate(self.nodes, 1)}
        config_nodes = ''.join(
            f'<node id="{ids[name]}" uname={quoteattr(name)}/>'
            for name in self.nodes)
        status = ''.join(self._node_state(name, ids[name])
                         for name in self.nodes)
        status += ''.join(
            f'<node_state id={quoteattr(name)} uname={quoteattr(name)} '
            'remote_node="true" in_ccm="true"/>' for name in self.remotes)
        status = f'<status>{status}</status>' if self.with_status_section \
            else ''
        return (f'<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9"'
                f' epoch="1" num_updates="0" admin_epoch="0"{quorum}'
                f' dc-uuid="{ids.get(ME, "1")}">'
                '<configuration><crm_config/>'
                f'<nodes>{config_nodes}</nodes>'
                f'<resources>{self._resources()}</resources>'
                '<constraints/></configuration>'
                f'{status}</cib>\n')

    def _node_state(self, name: str, node_id: str) -> str:
        crmd = self.nodes[name]
        attrs = f'id="{node_id}" uname={quoteattr(name)}'
        if name in self.down:
            attrs += ' in_ccm="false" join="down" expected="down"'
        else:
            attrs += ' in_ccm="true" join="member" expected="member"'
        if crmd is not None:
            attrs += f' crmd={quoteattr(crmd)}'
        lrm = ''
        if name == ME:
            # A remote node is online when its connection resource runs.
            ops = ''.join(
                f'<lrm_resource id={quoteattr(remote)} type="remote" '
                'class="ocf" provider="pacemaker">'
                f'<lrm_rsc_op id="{remote}_last_0" '
                f'operation_key="{remote}_start_0" operation="start" '
                'crm-debug-origin="test" crm_feature_set="3.16.1" '
                'transition-key="1:1:0:00000000-0000-0000-0000-000000000000" '
                'transition-magic='
                '"0:0;1:1:0:00000000-0000-0000-0000-000000000000" '
                f'exit-reason="" on_node={quoteattr(ME)} call-id="1" '
                'rc-code="0" op-status="0" interval="0" '
                'last-rc-change="1700000000" exec-time="1" queue-time="0" '
                'op-digest="0"/></lrm_resource>'
                for remote, running in self.remotes.items() if running)
            lrm = f'<lrm id="{node_id}"><lrm_resources>{ops}' \
                  '</lrm_resources></lrm>'
        return f'<node_state {attrs}>{lrm}</node_state>'

    def _resources(self) -> str:
        remotes = ''.join(
            f'<primitive id={quoteattr(name)} class="ocf" '
            'provider="pacemaker" type="remote"/>' for name in self.remotes)
        groups = ''.join(
            f'<group id="grp-{host}"><primitive id="ipmi-{host}" '
            'class="stonith" type="external/ipmi">'
            f'<instance_attributes id="ipmi-{host}-ia">'
            f'<nvpair id="ipmi-{host}-h" name="hostname" value="{host}"/>'
            f'<nvpair id="ipmi-{host}-a" name="ipaddr" value="{address}"/>'
            + ''.join(f'<nvpair id="ipmi-{host}-{key}" name="{key}" '
                      f'value="{value}"/>' for key, value in IPMI.items())
            + '</instance_attributes></primitive></group>'
            for host, address in self.ipmi.items())
        return remotes + groups

