# Sourced by scripts/test: Debian's Chromium and its chromedriver for the browser
# tests of the emulator's consent page and portal (each test starts its own
# chromedriver on a free port); certutil (libnss3-tools) makes each test's Chromium
# trust the emulator's CA. Exports ENTRAD_TEST_CHROMEDRIVER.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"
command -v certutil >/dev/null 2>&1 || missing="$missing libnss3-tools"
if [ -n "$missing" ]; then
  log "installing$missing"
  # shellcheck disable=SC2086 # one package per word
  apt_install $missing
fi
if ! chromedriver --version >/dev/null 2>&1; then
  echo "scripts/test: chromedriver does not run: $(chromedriver --version 2>&1 | head -n 1)" >&2
  exit 1
fi
ENTRAD_TEST_CHROMEDRIVER=$(command -v chromedriver)
export ENTRAD_TEST_CHROMEDRIVER
