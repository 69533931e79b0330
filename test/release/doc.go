// Package release tests what kodex ships: `scripts/release` builds the
// release artifacts of the HEAD commit twice and the runs must be
// byte-identical; the stripped linux/amd64 binary stays within its size
// budget; and the installer (packaging/install.sh, against a local HTTP
// server serving the release directory), the npm packages and the pip wheel
// each install from the local files into a temporary prefix and run
// `kodex --version` and a `kodex exec` turn against the scripted model. It
// contains tests only; nothing here reaches the network.
package release
