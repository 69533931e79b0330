"""The in-tree PEP 517 build backend of kodex-sdk.

It builds the pure-Python wheel (and the sdist, and a PEP 660 editable
wheel) of the `kodex` package with the standard library alone, so that
`pip install ./sdk/python` needs nothing from a package index: the
[build-system] table asks for no requirements and points here with
backend-path. The metadata comes from pyproject.toml's [project] table,
read with a small parser of the flat `key = "value"` lines it holds
(tomllib is not in Python 3.9).
"""

import base64
import hashlib
import io
import os
import re
import tarfile
import time
import zipfile

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE = "kodex"
_TAG = "py3-none-any"


def _project():
    """Returns the [project] table's string values."""
    with open(os.path.join(_ROOT, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    table = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
            continue
        if section != "project":
            continue
        m = re.match(r'^([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(#.*)?$', line)
        if m:
            table[m.group(1)] = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
    for key in ("name", "version"):
        if key not in table:
            raise ValueError("pyproject.toml: [project] has no %s" % key)
    return table


def _dist_name(project):
    return re.sub(r"[-_.]+", "_", project["name"]).lower()


def _metadata(project):
    lines = [
        "Metadata-Version: 2.1",
        "Name: " + project["name"],
        "Version: " + project["version"],
    ]
    if "description" in project:
        lines.append("Summary: " + project["description"])
    if "requires-python" in project:
        lines.append("Requires-Python: " + project["requires-python"])
    if "license" in project:
        lines.append("License: " + project["license"])
    readme = project.get("readme")
    body = ""
    if readme:
        lines.append("Description-Content-Type: text/markdown")
        with open(os.path.join(_ROOT, readme), encoding="utf-8") as f:
            body = f.read()
    return "\n".join(lines) + "\n\n" + body


def _package_files():
    """Yields (archive name, path) of the package's files, sorted."""
    out = []
    base = os.path.join(_ROOT, _PACKAGE)
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            out.append((os.path.relpath(path, _ROOT).replace(os.sep, "/"), path))
    return sorted(out)


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d\n" % (name, digest, len(data))


def _write_wheel(directory, files):
    """Writes a wheel of files ((archive name, bytes) pairs) plus its
    dist-info, and returns its file name."""
    project = _project()
    dist = _dist_name(project)
    info = "%s-%s.dist-info/" % (dist, project["version"])
    wheel_meta = "Wheel-Version: 1.0\nGenerator: kodex_build\nRoot-Is-Purelib: true\nTag: %s\n" % _TAG
    files = list(files) + [
        (info + "METADATA", _metadata(project).encode("utf-8")),
        (info + "WHEEL", wheel_meta.encode("utf-8")),
    ]
    record = "".join(_record_line(n, d) for n, d in files) + info + "RECORD,,\n"
    files.append((info + "RECORD", record.encode("utf-8")))
    filename = "%s-%s-%s.whl" % (dist, project["version"], _TAG)
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    return filename


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write_wheel(wheel_directory, [(n, _read(p)) for n, p in _package_files()])


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """A wheel holding a .pth file that puts this tree on sys.path."""
    dist = _dist_name(_project())
    return _write_wheel(wheel_directory, [("__editable__.%s.pth" % dist, (_ROOT + "\n").encode("utf-8"))])


def build_sdist(sdist_directory, config_settings=None):
    project = _project()
    base = "%s-%s" % (_dist_name(project), project["version"])
    names = ["pyproject.toml", "README.md", "_build/kodex_build.py"] + [n for n, _ in _package_files()]
    filename = base + ".tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name in names + ["PKG-INFO"]:
            data = _metadata(project).encode("utf-8") if name == "PKG-INFO" else _read(os.path.join(_ROOT, name))
            ti = tarfile.TarInfo(base + "/" + name)
            ti.size, ti.mode, ti.mtime = len(data), 0o644, int(time.time())
            tar.addfile(ti, io.BytesIO(data))
    return filename
