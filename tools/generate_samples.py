"""Write the files under etc/ that are generated from the code: the sample
configurations, the sample policy and masakari-custom-recovery-methods.conf.

    python tools/generate_samples.py                 # rewrite them in place
    python tools/generate_samples.py --output-dir D  # write them under D

Each file is described by a generator configuration beside it (upstream's
file names), so oslo-config-generator and oslopolicy-sample-generator can
also be run by hand with ``--config-file``.
"""
import argparse
import configparser
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG_GENERATOR = 'oslo_config.generator:main'
POLICY_GENERATOR = 'oslo_policy.generator:generate_sample'
# (generator's function, generator configuration)
GENERATORS = [
    (CONFIG_GENERATOR, 'etc/masakari/masakari-config-generator.conf'),
    (CONFIG_GENERATOR,
     'etc/masakari/masakari-customized-recovery-flow-config-generator.conf'),
    (POLICY_GENERATOR, 'etc/masakari/masakari-policy-generator.conf'),
    (CONFIG_GENERATOR, 'etc/masakarimonitors/masakarimonitors-config-generator.conf'),
]
_RUN = 'import sys; from {module} import {function}; sys.exit({function}())'
# Shipped with live settings (as upstream ships it): an operator edits a
# task list in place and passes the file to masakari-engine.
LIVE_DEFAULTS = 'etc/masakari/masakari-custom-recovery-methods.conf'
_COMMENTED_OPTION = re.compile(r'^#(\w+ = )', re.MULTILINE)


def output_file(generator_conf: str) -> str:
    # namespace is repeated, which configparser only accepts when not strict.
    parser = configparser.ConfigParser(strict=False)
    parser.read(REPO / generator_conf)
    return parser['DEFAULT']['output_file']


def generate(output_dir: Path) -> list[str]:
    """Write every generated file under output_dir, at its path in the
    repository; return those paths."""
    written = []
    for generator, conf in GENERATORS:
        relative = output_file(conf)
        target = output_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        module, function = generator.split(':')
        subprocess.run([sys.executable, '-c', _RUN.format(module=module, function=function),
                        '--config-file', conf, '--output-file', str(target)],
                       check=True, cwd=REPO)
        if relative == LIVE_DEFAULTS:
            target.write_text(_COMMENTED_OPTION.sub(r'\1', target.read_text()))
        written.append(relative)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--output-dir', type=Path, default=REPO)
    args = parser.parse_args()
    for path in generate(args.output_dir.resolve()):
        print(args.output_dir / path)


if __name__ == '__main__':
    main()
