"""Stand-in for ansible-test's pip bootstrap script (get-pip.py).

ansible-test creates a virtual environment for each sanity test and installs
pip into it with a get-pip.py it downloads from a host that this machine
cannot reach (ansible-test says so and asks for the file to be saved in its
cache). This script does the same job with the pip wheel from the package
index: it runs ``pip install`` from that wheel with the arguments ansible-test
gives. ``make sanity`` copies it into ansible-test's cache.
"""

import glob
import os
import sys

WHEEL_DIR = os.environ.get("SAASOPS_PIP_WHEEL_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "pip-wheel"))


def main():
    wheels = sorted(glob.glob(os.path.join(WHEEL_DIR, "pip-*.whl")))
    if not wheels:
        sys.exit("no pip wheel in %s (make sanity downloads it)" % WHEEL_DIR)
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    sys.exit(pip_main(["install"] + args))


if __name__ == "__main__":
    main()
