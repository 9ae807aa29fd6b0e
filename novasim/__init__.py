"""A Nova compute API v2.1 and Keystone v3 stand-in for tests and the demo.

Real clients (openstacksdk, keystoneauth1, the ``openstack`` CLI) talk to it
unchanged: authenticate at ``<url>/identity/v3`` and find Nova in the token's
catalog (service ``compute``/``nova``, public/internal/admin endpoints
``<url>/compute/v2.1``, region ``RegionOne``). Masakari itself never imports
this package.

In a test process::

    sim = novasim.Simulator()
    sim.cloud.add_host('h1'); sim.cloud.add_host('h2')
    sim.cloud.add_server('i1', 'h1', metadata={'HA_Enabled': 'True'})
    with novasim.start(sim) as running:          # ephemeral loopback port
        ... running.identity_url, running.compute_url ...
        sim.cloud.host_down('h1')
        sim.add_fault(method='POST', path='/servers/*/action', action='evacuate',
                      status=400, message='No valid host')
        sim.calls.since(0)                       # what Nova was asked, in order

Simulated time: ``novasim.Simulator(clock=novasim.FakeClock())`` makes every
delay wait for the clock to be advanced; the same FakeClock can be the
masakari engine's clock (``masakari.engine.waits.set_clock``), so engine
sleeps move Nova's time and its asynchronous outcomes land without waiting.

From another process: ``python -m novasim --port 8774 --seed seed.json`` and the
JSON control API under ``/_sim`` (see :mod:`novasim.control`).

Seed documents (file, ``POST /_sim/seed``, ``Simulator.load``)::

    {"hosts": ["h1", {"name": "h2", "max_servers": 4, "services": ["nova-compute"],
                      "compute_service": {"disabled": true}, "down": {"report_after": 0},
                      "evacuations_fail": false}],
     "servers": [{"name": "i1", "host": "h1", "id": "<uuid>", "project": "demo",
                  "metadata": {"HA_Enabled": "True"}, "vm_state": "active",
                  "task_state": null, "locked": false,
                  "evacuation": "move|error|stuck", "power_ops": "done|stuck"}],
     "aggregates": [{"name": "A", "hosts": ["h1"], "availability_zone": null}],
     "users": [{"name": "u", "password": "p", "project": "service", "roles": ["admin"],
                "system_roles": ["admin"]}],
     "endpoints": [{"service_type": "instance-ha", "name": "masakari",
                    "url": "http://127.0.0.1:15868"}],
     "timings": {"evacuate": 1.0, "stop": 0.5, "start": 0.5,
                 "max_concurrent_evacuations": null},
     "latency": {"compute": 0.02, "identity": 0.0},
     "faults": [{"path": "/servers/detail", "status": 500, "times": 1}]}

Default users: admin/admin (project admin), masakari/masakari (project
service, roles admin and service), demo/demo (project demo, member); admin
and masakari may also take a system-scoped token. Servers belong to project
``demo`` unless seeded otherwise. Project and user ids are derived from names
(:func:`novasim.identity.project_id_for`).

Behaviour modelled after Nova (from its API reference and source):

- Evacuate (``POST /servers/{id}/action {"evacuate": ...}``, answers 200, with
  ``adminPass`` only before 2.14): target host unknown -> 404 ``Compute host X
  not found.``; target = current host -> 400; vm_state not active/stopped/error
  or a task_state set -> 409 ``Cannot 'evacuate' instance ... while it is in
  vm_state X``; source nova-compute still reported up -> **400** ``Compute
  service of X is still in use.`` (Nova maps ComputeServiceInUse to 400, not
  409). Accepted: task_state ``rebuilding`` until the move lands
  ``timings.evacuate`` after it starts on the host the scheduler picked (up,
  enabled, below ``max_servers``, fewest servers, then name; a requested host
  must pass the same filters unless ``force``). At most
  ``timings.max_concurrent_evacuations`` run at once (None: no limit, the
  default); later ones are accepted alike and wait, still ``rebuilding``, to
  start in the order accepted as earlier ones land (``stuck`` ones hold no
  slot). Lands ``active`` from active/error and
  ``stopped`` from stopped; always ``stopped`` at microversion >= 2.95. No host
  passes -> vm_state ``error`` with fault ``No valid host was found...``.
  Injected failures: a server's ``evacuation`` ``error`` (or a destination
  host's ``evacuations_fail``) ends the move in vm_state ``error`` on the
  source host; ``stuck`` leaves it ``rebuilding`` on the source for good.
- os-stop from active/rescued/error, os-start from stopped, task_state must be
  null, else 409. They take ``timings.stop``/``timings.start``; while the
  server's host is down they wait (the request sits in the host's queue).
- os-resetState sets vm_state (active or error) and clears task_state.
- ``GET /servers`` and ``/servers/detail`` take ``changes-since`` (ISO 8601,
  UTC without a zone): servers whose ``updated`` is at or after it, compared
  to the second as Nova's MySQL ``updated_at`` keeps it; not a date-time ->
  400 ``Invalid input for query parameters changes-since. Value: X. 'X' is
  not a 'date-time'``. ``updated`` moves with every change of a server:
  accepted actions (evacuate, stop, start, lock, unlock, os-resetState),
  an evacuation starting and landing, a stop or start done, metadata set.
- lock/unlock always succeed for admins; non-admins get 409 on stop/start of
  a locked server. Instance actions are recorded for create (seeding),
  evacuate, stop, start, lock, unlock and os-resetState (as ``resetState``;
  the action name Nova stores for it is not confirmed).
- ``GET /os-services`` filters host and binary exactly and case-sensitively;
  ids are UUIDs from 2.53 (integers before). ``PUT /os-services/{uuid}`` from
  2.53; the older ``PUT /os-services/{enable,disable,disable-log-reason,
  force-down}`` before it. Only nova-compute services may be updated.
- A dead host (``host_down``) keeps its services ``up`` for ``report_after``
  seconds (Nova's service_down_time), and comes back by itself after
  ``back_after`` seconds, or never when that is None.
- Non-admins see only their project's servers (others answer 404), may not use
  ``all_tenants`` (403) and have ``host``/``node`` filters silently dropped.
- Errors use Nova's body ``{"<name>": {"code": N, "message": ...}}``; a missing
  or invalid token answers 401 in Keystone's format, as keystonemiddleware
  does. Microversion headers accompany every versioned compute response.

Not modelled or unsure (kept simple on purpose):

- The exact wording of JSON-schema validation errors is approximated.
- ``changes-before`` (2.66) is not taken; Nova lists recently deleted
  servers under ``changes-since``, the stand-in forgets deleted ones.
- After a failed scheduling Nova's conductor sets vm_state ``error`` (recent
  releases); older releases kept the original vm_state.
- Availability zones, cells, placement, migrations (``/os-migrations``),
  server create/delete over the API, quota, pagination of hypervisors and
  instance actions, and what a host does to its servers when it comes back
  (Nova may stop or destroy them) are not simulated.
- A system-scoped token is treated like an admin without a project: it sees
  servers only with ``all_tenants``.
- Domain names match case-insensitively (as Keystone on MySQL does).
"""
from novasim.app import Simulator
from novasim.clock import FakeClock
from novasim.faults import Fault
from novasim.server import Running
from novasim.server import start
from novasim.state import Cloud
from novasim.state import NovaError

__all__ = ['Cloud', 'FakeClock', 'Fault', 'NovaError', 'Running', 'Simulator', 'start']
