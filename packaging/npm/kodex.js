#!/usr/bin/env node
// Launcher of @kodex-cli/kodex. It runs the kodex binary carried by this
// platform's package (@kodex-cli/kodex-<platform>-<arch>, an optional
// dependency that npm installs only on the matching platform) with the same
// arguments, the same stdin/stdout/stderr (inherited: no bytes pass through
// node) and returns its exit status or dies of its signal.
"use strict";

const { spawn } = require("child_process");
const path = require("path");

const supported = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64", "win32-arm64"];
const platform = `${process.platform}-${process.arch}`;
if (!supported.includes(platform)) {
  console.error(`kodex: no kodex binary for ${platform} (there are: ${supported.join(", ")})`);
  process.exit(1);
}
const pkg = `@kodex-cli/kodex-${platform}`;
let bin;
try {
  bin = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin",
    process.platform === "win32" ? "kodex.exe" : "kodex");
} catch {
  console.error(`kodex: ${pkg}, which carries the binary, is not installed (optional dependencies were skipped?).\n` +
    "Reinstall with optional dependencies: npm install -g @kodex-cli/kodex");
  process.exit(1);
}

const child = spawn(bin, process.argv.slice(2), { stdio: "inherit" });
child.on("error", (err) => {
  console.error(`kodex: cannot run ${bin}: ${err.message}`);
  process.exit(1);
});
// A terminal's Ctrl-C already reaches kodex (same process group): node only
// stays alive for it. Signals sent to node alone are passed on.
process.on("SIGINT", () => {});
for (const sig of ["SIGTERM", "SIGHUP"]) {
  process.on(sig, () => child.kill(sig));
}
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code === null ? 1 : code);
});
