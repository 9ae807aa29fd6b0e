"""python -m novasim --host 127.0.0.1 --port 8774 [--seed seed.json] [--region RegionOne]"""
import argparse
import json

from novasim.app import Simulator
from novasim.server import make_server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog='python -m novasim',
                                     description='Keystone and Nova stand-ins over HTTP.')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8774)
    parser.add_argument('--seed', help='JSON file with hosts, servers, aggregates, users ...')
    parser.add_argument('--region', default='RegionOne')
    args = parser.parse_args(argv)

    sim = Simulator(region=args.region)
    if args.seed:
        with open(args.seed) as seed:
            sim.load(json.load(seed))
    httpd = make_server(sim, args.host, args.port)
    print(f'novasim listening on http://{args.host}:{httpd.server_port} '
          f'(identity /identity/v3, compute /compute/v2.1, control /_sim)', flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == '__main__':
    main()
