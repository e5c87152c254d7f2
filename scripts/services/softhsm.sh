# Sourced by scripts/test: a SoftHSM2 token in a temporary directory for the
# PKCS#11 tests (keys that never leave the token). The tests generate their key
# pairs inside it; nothing is imported. Exports ENTRAD_TEST_PKCS11_MODULE,
# ENTRAD_TEST_PKCS11_TOKEN, ENTRAD_TEST_PKCS11_PIN and SOFTHSM2_CONF.
if ! command -v softhsm2-util >/dev/null 2>&1; then
  log "installing softhsm2"
  apt_install softhsm2
fi
softhsm_module=""
for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
  if [ -f "$candidate" ]; then softhsm_module=$candidate; break; fi
done
if [ -z "$softhsm_module" ]; then
  echo "scripts/test: softhsm2 is installed but libsofthsm2.so was not found" >&2
  exit 1
fi
softhsm_dir=$(mktemp -d)
mkdir -p "$softhsm_dir/tokens"
cat >"$softhsm_dir/softhsm2.conf" <<CONF
directories.tokendir = $softhsm_dir/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
stop_softhsm() { rm -rf "$softhsm_dir"; }
on_exit stop_softhsm
softhsm_pin=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
SOFTHSM2_CONF="$softhsm_dir/softhsm2.conf" softhsm2-util --init-token --free --label entrad-test \
  --pin "$softhsm_pin" --so-pin "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >/dev/null
export SOFTHSM2_CONF="$softhsm_dir/softhsm2.conf"
export ENTRAD_TEST_PKCS11_MODULE="$softhsm_module"
export ENTRAD_TEST_PKCS11_TOKEN="entrad-test"
export ENTRAD_TEST_PKCS11_PIN="$softhsm_pin"
