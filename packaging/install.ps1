# Installs kodex, a local AI coding agent, on Windows without administrator
# rights:
#
#   irm https://github.com/kodex-cli/kodex/releases/latest/download/install.ps1 | iex
#
# It picks the release archive for this CPU (amd64 or arm64), downloads it,
# checks its SHA-256 against the release's SHA256SUMS before anything is
# installed, and puts kodex.exe into %LOCALAPPDATA%\Programs\kodex. Settings,
# all optional (environment variables):
#
#   KODEX_INSTALL_DIR   where kodex.exe goes
#   KODEX_INSTALL_BASE  where the release files are (a mirror or a local server)
#   KODEX_VERSION       a release such as 1.2.0 instead of the latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Fail([string]$Message) {
    Write-Host "kodex-install: error: $Message" -ForegroundColor Red
    throw "kodex-install: $Message"
}
function Say([string]$Message) { Write-Host "kodex-install: $Message" }

$repo = 'https://github.com/kodex-cli/kodex'
if ($env:KODEX_INSTALL_BASE) {
    $base = $env:KODEX_INSTALL_BASE.TrimEnd('/')
} elseif ($env:KODEX_VERSION) {
    $base = "$repo/releases/download/v$($env:KODEX_VERSION.TrimStart('v'))"
} else {
    $base = "$repo/releases/latest/download"
}
$dir = if ($env:KODEX_INSTALL_DIR) { $env:KODEX_INSTALL_DIR } else { Join-Path $env:LOCALAPPDATA 'Programs\kodex' }

# The CPU, in the archives' names. PROCESSOR_ARCHITEW6432 is set in a 32-bit
# shell on a 64-bit Windows; an x64 shell emulated on ARM64 reports ARM64 there.
$cpu = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
switch ($cpu) {
    'AMD64' { $arch = 'amd64' }
    'ARM64' { $arch = 'arm64' }
    default { Fail "no kodex build for the CPU '$cpu' (there are builds for amd64 and arm64; see $repo)" }
}
Say "platform: windows/$arch"

$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("kodex-install-" + [System.Guid]::NewGuid())
New-Item -ItemType Directory -Path $tmp | Out-Null
try {
    function Get-ReleaseFile([string]$Name) {
        $out = Join-Path $tmp $Name
        try {
            Invoke-WebRequest -UseBasicParsing -Uri "$base/$Name" -OutFile $out
        } catch {
            if ($_.Exception.Response) {
                Fail "the server has no $base/$Name (HTTP error: $($_.Exception.Message)): check KODEX_VERSION or KODEX_INSTALL_BASE"
            }
            Fail "cannot download $base/$Name ($($_.Exception.Message)): check the network connection (or a proxy), or set KODEX_INSTALL_BASE to a reachable mirror"
        }
        return $out
    }

    $sums = Get-Content (Get-ReleaseFile 'SHA256SUMS')
    $line = $sums | Where-Object { $_ -match "^[0-9a-f]{64}  kodex_[^ /]*_windows_$arch\.zip$" } | Select-Object -First 1
    if (-not $line) { Fail "the release at $base has no archive for windows/$arch (SHA256SUMS lists none)" }
    $want, $archive = $line -split '  ', 2
    Say "downloading $archive"
    $zip = Get-ReleaseFile $archive

    $got = (Get-FileHash -Algorithm SHA256 -Path $zip).Hash.ToLowerInvariant()
    if ($got -ne $want) {
        Fail "checksum mismatch for ${archive}: SHA256SUMS says $want, the download is $got. The file is corrupt or was tampered with; nothing was installed."
    }
    Say 'SHA-256 verified'

    $unpacked = Join-Path $tmp 'x'
    Expand-Archive -Path $zip -DestinationPath $unpacked
    $exe = Get-ChildItem -Path $unpacked -Recurse -Filter 'kodex.exe' | Select-Object -First 1
    if (-not $exe) { Fail "$archive holds no kodex.exe" }
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
    $target = Join-Path $dir 'kodex.exe'
    Copy-Item -Force -Path $exe.FullName -Destination "$target.new"
    Move-Item -Force -Path "$target.new" -Destination $target
    Say "installed $target"
    try { & $target --version } catch { Say "installed, but it did not run: $($_.Exception.Message)" }

    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    if (-not (($userPath -split ';') -contains $dir)) {
        Say "$dir is not on your PATH. Add it for your user, then open a new terminal:"
        Say "  [Environment]::SetEnvironmentVariable('Path', `"$dir;`$([Environment]::GetEnvironmentVariable('Path', 'User'))`", 'User')"
    } else {
        Say 'run: kodex --help'
    }
} finally {
    Remove-Item -Recurse -Force -Path $tmp -ErrorAction SilentlyContinue
}
