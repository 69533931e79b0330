# Homebrew formula for kodex (not published to a tap yet). The release build
# (scripts/release) writes dist/homebrew/kodex.rb from this file with the
# release's version and the archives' checksums; 0.0.0 and the zero sums are
# placeholders.
class Kodex < Formula
  desc "Local AI coding agent: edits code and runs commands in an OS sandbox"
  homepage "https://github.com/kodex-cli/kodex"
  version "0.0.0"

  on_macos do
    url "https://github.com/kodex-cli/kodex/releases/download/v0.0.0/kodex_0.0.0_darwin_universal.tar.gz"
    sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  end

  on_linux do
    on_intel do
      url "https://github.com/kodex-cli/kodex/releases/download/v0.0.0/kodex_0.0.0_linux_amd64.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
    on_arm do
      url "https://github.com/kodex-cli/kodex/releases/download/v0.0.0/kodex_0.0.0_linux_arm64.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
  end

  def install
    bin.install "kodex"
    bash_completion.install "completions/kodex.bash" => "kodex"
    zsh_completion.install "completions/_kodex"
    fish_completion.install "completions/kodex.fish"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/kodex --version")
  end
end
