"""The governance package's public names all resolve, without an import cycle."""

from __future__ import annotations

import subprocess
import sys

import xinyong.governance as governance


def test_every_public_name_resolves() -> None:
    for name in governance.__all__:
        assert getattr(governance, name) is not None, name


def test_importing_the_package_first_in_a_fresh_interpreter_works() -> None:
    code = ("import xinyong.governance as g; "
            "[getattr(g, n) for n in g.__all__]; import xinyong.decisions; import xinyong.cli")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
