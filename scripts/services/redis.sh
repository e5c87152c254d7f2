# Sourced by scripts/test: a redis-server on a free loopback port for the
# Redis token cache tests; exports ENTRAD_TEST_REDIS_URL.
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server"
  apt_install redis-server
fi
redis_dir=$(mktemp -d)
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --dir "$redis_dir" --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
stop_redis() {
  if [ -f "$redis_dir/redis.pid" ]; then kill "$(cat "$redis_dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$redis_dir"
}
on_exit stop_redis
# The Redis tests need it: a server that never answers stops here, with the reason.
redis_ready=""
for _ in $(seq 50); do
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -qx PONG; then
    redis_ready=1
    break
  fi
  sleep 0.1
done
if [ -z "$redis_ready" ]; then
  echo "scripts/test: redis-server on 127.0.0.1:$redis_port did not answer PING within 5 s; its log:" >&2
  tail -n 20 "$redis_dir/redis.log" >&2 2>/dev/null || echo "(no log at $redis_dir/redis.log)" >&2
  exit 1
fi
export ENTRAD_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/"
