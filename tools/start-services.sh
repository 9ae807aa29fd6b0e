#!/usr/bin/env bash
# Start the local MariaDB, PostgreSQL, RabbitMQ, Redis and libvirtd the test
# suite uses, each only when it does not answer. Installs a missing server
# first.
set -u

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
    local port=$1 name=$2
    for _ in $(seq 1 60); do
        listening "$port" && return 0
        sleep 1
    done
    echo "start-services: $name did not come up on port $port" >&2
    return 1
}

ensure_pkg() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq; APT_UPDATED=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

status=0

if ! listening 3306; then
    ensure_pkg mariadbd mariadb-server
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for 3306 MariaDB || status=1
fi

if ! listening 5432; then
    ensure_pkg pg_ctlcluster postgresql
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    wait_for 5432 PostgreSQL || status=1
fi

if ! listening 5672; then
    ensure_pkg rabbitmq-server rabbitmq-server
    rabbitmq-server -detached
    wait_for 5672 RabbitMQ || status=1
fi

if ! listening 6379; then
    ensure_pkg redis-server redis-server
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for 6379 Redis || status=1
fi

bash "$(dirname "$0")/libvirtd.sh" || status=1

exit $status
