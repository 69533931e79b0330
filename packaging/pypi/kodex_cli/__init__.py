"""kodex, a local AI coding agent, packaged for pip, pipx and uv.

The wheel installs the static kodex binary itself as the `kodex` script, so
nothing of Python runs when you type `kodex`. `python -m kodex_cli` runs the
same binary; find_kodex_bin() says where it is.
"""

import os
import sys
import sysconfig


def find_kodex_bin() -> str:
    """Returns the path of the installed kodex binary."""
    exe = "kodex" + (".exe" if sys.platform == "win32" else "")
    candidates = [os.path.join(sysconfig.get_path("scripts"), exe)]
    user = sysconfig.get_preferred_scheme("user") if hasattr(sysconfig, "get_preferred_scheme") else None
    if user:
        candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user), exe))
    # pip install --target DIR puts scripts in DIR/bin, next to the package.
    candidates.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bin", exe))
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise FileNotFoundError("kodex binary not found in: " + ", ".join(candidates))
