#!/bin/sh
# Installs kodex, a local AI coding agent, without root:
#
#   curl -fsSL https://github.com/kodex-cli/kodex/releases/latest/download/install.sh | sh
#
# It picks the release archive for this OS and CPU (Linux, including musl
# systems, and macOS, including a shell under Rosetta; amd64 and arm64),
# downloads it with curl or wget, checks its SHA-256 against the release's
# SHA256SUMS before anything is installed, and puts the kodex binary into
# ~/.local/bin. Settings, all optional:
#
#   KODEX_INSTALL_DIR   where the binary goes (default: ~/.local/bin)
#   KODEX_INSTALL_BASE  where the release files are (default: the latest
#                       GitHub release; a mirror or a local directory server)
#   KODEX_VERSION       a release such as 1.2.0 instead of the latest
set -eu

say() { printf 'kodex-install: %s\n' "$*"; }
die() {
	printf 'kodex-install: error: %s\n' "$*" >&2
	exit 1
}

repo=https://github.com/kodex-cli/kodex
if [ -n "${KODEX_INSTALL_BASE:-}" ]; then
	base=${KODEX_INSTALL_BASE%/}
elif [ -n "${KODEX_VERSION:-}" ]; then
	base=$repo/releases/download/v${KODEX_VERSION#v}
else
	base=$repo/releases/latest/download
fi
dir=${KODEX_INSTALL_DIR:-${HOME:?HOME is not set; set KODEX_INSTALL_DIR}/.local/bin}

# The platform, in the archives' names.
os=$(uname -s)
arch=$(uname -m)
case $os in
Linux) os=linux ;;
Darwin) os=darwin ;;
MINGW* | MSYS* | CYGWIN* | Windows_NT)
	die "this is Windows: install with PowerShell instead:
  irm $repo/releases/latest/download/install.ps1 | iex" ;;
*) die "no kodex build for the operating system '$os' (there are builds for Linux, macOS and Windows; see $repo)" ;;
esac
case $arch in
x86_64 | amd64) arch=amd64 ;;
aarch64 | arm64 | armv8*) arch=arm64 ;;
*) die "no kodex build for the CPU '$arch' on $os (there are builds for amd64 and arm64; see $repo)" ;;
esac
# A shell under Rosetta 2 reports x86_64 on Apple Silicon: take the native build.
if [ "$os" = darwin ] && [ "$arch" = amd64 ] &&
	[ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
	say "Rosetta 2 detected: installing the native Apple Silicon (arm64) build"
	arch=arm64
fi
libc=
if [ "$os" = linux ]; then
	if [ -e /lib/ld-musl-x86_64.so.1 ] || [ -e /lib/ld-musl-aarch64.so.1 ] ||
		ldd --version 2>&1 | grep -qi musl; then
		libc=" (musl)"
	fi
fi
say "platform: $os/$arch$libc (kodex is a static binary: no libc needed)"

# Downloads.
# fetch URL FILE; exit status 3 means the server answered with an HTTP error.
if command -v curl >/dev/null 2>&1; then
	fetch() {
		curl -fsSL --proto '=https,http' --retry 2 -o "$2" "$1" || {
			[ $? -eq 22 ] && return 3
			return 1
		}
	}
elif command -v wget >/dev/null 2>&1; then
	fetch() {
		wget -q -O "$2" "$1" || {
			[ $? -eq 8 ] && return 3
			return 1
		}
	}
else
	die "neither curl nor wget is installed: install one of them and run this again"
fi
tmp=$(mktemp -d 2>/dev/null || mktemp -d -t kodex)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
get() {
	status=0
	fetch "$base/$1" "$tmp/$1" || status=$?
	case $status in
	0) ;;
	3) die "the server has no $base/$1 (HTTP error): check KODEX_VERSION or KODEX_INSTALL_BASE" ;;
	*) die "cannot download $base/$1: check the network connection (or a proxy), or set KODEX_INSTALL_BASE to a reachable mirror" ;;
	esac
}

get SHA256SUMS
line=$(grep -E "^[0-9a-f]{64}  kodex_[^ /]*_${os}_${arch}\.tar\.gz\$" "$tmp/SHA256SUMS" | head -n 1 || true)
[ -n "$line" ] || die "the release at $base has no archive for $os/$arch (SHA256SUMS lists none)"
want=${line%% *}
archive=${line##* }
say "downloading $archive"
get "$archive"

if command -v sha256sum >/dev/null 2>&1; then
	got=$(sha256sum "$tmp/$archive")
elif command -v shasum >/dev/null 2>&1; then
	got=$(shasum -a 256 "$tmp/$archive")
elif command -v openssl >/dev/null 2>&1; then
	got=$(openssl dgst -sha256 -r "$tmp/$archive")
else
	die "no sha256sum, shasum or openssl to verify the download with: install one of them"
fi
got=${got%% *}
[ "$got" = "$want" ] || die "checksum mismatch for $archive: SHA256SUMS says $want, the download is $got.
The file is corrupt or was tampered with; nothing was installed."
say "SHA-256 verified"

mkdir -p "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" || die "cannot unpack $archive"
bin=$(find "$tmp/x" -type f -name kodex | head -n 1)
[ -n "$bin" ] || die "$archive holds no kodex binary"
mkdir -p "$dir" || die "cannot create $dir: set KODEX_INSTALL_DIR to a directory you can write"
# Copy next to the target, then rename: a running kodex is never half-written.
new=$dir/.kodex.new.$$
if ! { cp "$bin" "$new" && chmod 755 "$new" && mv -f "$new" "$dir/kodex"; }; then
	rm -f "$new"
	die "cannot write $dir/kodex: set KODEX_INSTALL_DIR to a directory you can write"
fi
say "installed $dir/kodex"
"$dir/kodex" --version 2>/dev/null || true

case ":${PATH:-}:" in
*":$dir:"*) say "run: kodex --help" ;;
*)
	say "$dir is not on your PATH. Add it, then open a new shell:"
	case ${SHELL:-} in
	*/zsh) say "  echo 'export PATH=\"$dir:\$PATH\"' >> ~/.zshrc" ;;
	*/fish) say "  fish_add_path $dir" ;;
	*) say "  echo 'export PATH=\"$dir:\$PATH\"' >> ~/.profile" ;;
	esac
	;;
esac
