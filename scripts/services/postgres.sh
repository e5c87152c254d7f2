# Sourced by scripts/test: a PostgreSQL server (Debian's package) on a free
# loopback port, its socket and data in a temp dir, for the entrad sync tests;
# exports ENTRAD_TEST_POSTGRES_URL (tests create a fresh database each).
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "installing postgresql"
  apt_install postgresql
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
# initdb refuses to run as root: the server runs as an unprivileged user.
pg_user=$(id -un)
pg_run=()
if [ "$(id -u)" -eq 0 ]; then
  pg_user=entrad-test
  id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
  pg_run=(runuser -u "$pg_user" --)
fi
pg_dir=$(mktemp -d)
chmod 755 "$pg_dir"
[ "$(id -u)" -eq 0 ] && chown "$pg_user" "$pg_dir"
pg_port=$(free_port)
"${pg_run[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$pg_dir/initdb.log" 2>&1 || {
  echo "scripts/test: initdb failed; its log:" >&2
  tail -n 20 "$pg_dir/initdb.log" >&2
  exit 1
}
# Tests only: no fsync, loopback TCP and a socket in the temp dir.
"${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $pg_dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || {
  echo "scripts/test: PostgreSQL on 127.0.0.1:$pg_port did not start within 30 s; its log:" >&2
  tail -n 20 "$pg_dir/server.log" >&2 2>/dev/null || echo "(no log at $pg_dir/server.log)" >&2
  exit 1
}
stop_postgres() {
  "${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
on_exit stop_postgres
export ENTRAD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
