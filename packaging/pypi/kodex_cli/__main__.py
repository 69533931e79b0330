"""python -m kodex_cli: runs the kodex binary installed with this package."""

import os
import subprocess
import sys

from kodex_cli import find_kodex_bin


def main() -> None:
    kodex = find_kodex_bin()
    if sys.platform == "win32":
        sys.exit(subprocess.call([kodex, *sys.argv[1:]]))
    os.execv(kodex, [kodex, *sys.argv[1:]])


if __name__ == "__main__":
    main()
