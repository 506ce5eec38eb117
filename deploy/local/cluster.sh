#!/usr/bin/env bash
# A ProtSt cluster on this machine: one Redis (membership) and N `protst silo` processes, all on loopback.
#
#   deploy/local/cluster.sh up N [--tls] [-- extra silo args]
#                                                        start, wait until every silo's /readyz says ready, print
#                                                        "cluster: <redis connection string>" and "view: <job view URL>";
#                                                        with --tls, make a throwaway CA and certificates (openssl),
#                                                        run the silo-to-silo and gateway ports over mutual TLS and
#                                                        print "config: <file>", the client configuration to pass as
#                                                        `protst screen --cluster <redis> --config <file>`
#   deploy/local/cluster.sh status                      print the same two lines for a running cluster
#   deploy/local/cluster.sh down                        stop exactly the processes `up` started, by their pids
#
# Environment:
#   PROTST                 the program, as a command (e.g. "dotnet /opt/protst/protst.dll"); default: build
#                          src/ProtSt.Cli in Release and run its protst.dll
#   PROTST_CLUSTER_DIR     state: pid files, logs, the connection string (default: ${TMPDIR:-/tmp}/protst-cluster)
#   PROTST_CLUSTER_DEVICES devices per silo (default 1)
#   PROTST_CLUSTER_TIMEOUT seconds to wait for all silos to be ready (default 180)
#   REDIS_SERVER           the Redis server program (default: redis-server, Debian's package)
set -euo pipefail

state="${PROTST_CLUSTER_DIR:-${TMPDIR:-/tmp}/protst-cluster}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
redis_server="${REDIS_SERVER:-redis-server}"

die() {
    echo "cluster.sh: $*" >&2
    exit 1
}

# The HTTP status of GET http://host:port/path, using bash's /dev/tcp so nothing beyond bash is needed.
http_status() {
    local host=$1 port=$2 path=$3 line code
    exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
    printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$port" >&3
    if IFS=' ' read -r -t 10 line <&3; then
        code=$(echo "$line" | cut -d' ' -f2)
    else
        code=""
    fi
    exec 3<&- 3>&-
    [ -n "$code" ] && echo "$code"
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while pid runs the program we started (a pid can be reused after its process ends).
runs() {
    local pid=$1 what=$2
    [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$what"
}

protst_command() {
    if [ -n "${PROTST:-}" ]; then
        echo "$PROTST"
        return
    fi

    echo "cluster.sh: building src/ProtSt.Cli (set PROTST to skip)" >&2
    dotnet build "$repo/src/ProtSt.Cli" -c Release >"$state/build.log" 2>&1 || die "build failed; see $state/build.log"
    local dll
    dll=$(ls "$repo"/src/ProtSt.Cli/bin/Release/net*/protst.dll | head -n 1)
    echo "dotnet $dll"
}

start_redis() {
    local attempt port pid
    for attempt in $(seq 1 20); do
        port=$((20000 + RANDOM % 40000))
        port_in_use "$port" && continue
        "$redis_server" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
            </dev/null >"$state/redis.log" 2>&1 &
        pid=$!
        echo "$pid" >"$state/redis.pid"
        # Another program may have taken the port between the probe and the start: then Redis exits; try another.
        for _ in $(seq 1 50); do
            if ! kill -0 "$pid" 2>/dev/null; then
                break
            fi
            if grep -q "Ready to accept connections" "$state/redis.log"; then
                echo "127.0.0.1:$port" >"$state/cluster"
                return 0
            fi
            sleep 0.1
        done
        stop_pid "$pid" "$(basename "$redis_server")"
        rm -f "$state/redis.pid"
    done
    die "could not start $redis_server on a free loopback port; see $state/redis.log"
}

# Stops one process we started: SIGTERM (silos leave the cluster gracefully), SIGKILL after 70 s. A silo stops within
# Silo:ShutdownTimeout (60 s by default) even when Redis is already gone, so only a hung process is killed.
stop_pid() {
    local pid=$1 what=$2
    runs "$pid" "$what" || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 700); do
        runs "$pid" "$what" || return 0
        sleep 0.1
    done
    echo "cluster.sh: $what (pid $pid) did not stop in 70 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

down() {
    [ -d "$state" ] || return 0
    local file stoppers=()
    for file in "$state"/silo-*.pid; do
        [ -e "$file" ] || continue
        stop_pid "$(cat "$file")" "silo --cluster" &
        stoppers+=($!)
    done
    # Only the stoppers: when a failed `up` calls this, the shell's children include the Redis server it started.
    [ ${#stoppers[@]} -eq 0 ] || wait "${stoppers[@]}"
    rm -f "$state"/silo-*.pid
    if [ -e "$state/redis.pid" ]; then
        stop_pid "$(cat "$state/redis.pid")" "$(basename "$redis_server")"
        rm -f "$state/redis.pid"
    fi
    rm -f "$state/cluster" "$state/view" "$state/config"
    # The throwaway authority's key must not outlive the cluster it signed for.
    rm -rf "$state/tls"
}

# A throwaway certificate authority and two certificates it signs: one every silo presents (to silos and clients, so
# it is valid for both server and client authentication) and one for clients. Written with the two configurations
# (silo.json, client.json) that name them; nothing is kept once `down` runs.
make_certificates() {
    command -v openssl >/dev/null || die "--tls needs openssl (apt-get install openssl)"
    local tls="$state/tls"
    rm -rf "$tls"
    mkdir -p "$tls"
    chmod 700 "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=protst throwaway cluster CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.pem
        local name usage
        for name in silo client; do
            usage=clientAuth
            [ "$name" = silo ] && usage=serverAuth,clientAuth
            openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=protst $name" -keyout "$name.key" -out "$name.csr"
            printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n' "$usage" >"$name.ext"
            openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile "$name.ext" -out "$name.pem"
            printf '{ "Tls": { "Certificate": "%s", "PrivateKey": "%s", "CertificateAuthority": "%s" } }\n' \
                "$tls/$name.pem" "$tls/$name.key" "$tls/ca.pem" >"$name.json"
            rm -f "$name.csr" "$name.ext"
        done
        chmod 600 ./*.key
    ) >"$state/openssl.log" 2>&1 || die "openssl failed; see $state/openssl.log"
}

status() {
    [ -e "$state/cluster" ] && [ -e "$state/view" ] || die "no cluster is running from $state"
    echo "cluster: $(cat "$state/cluster")"
    echo "view: $(cat "$state/view")"
    if [ -e "$state/config" ]; then
        echo "config: $(cat "$state/config")"
    fi
}

up() {
    local count=${1:-}
    shift || true
    local tls=""
    if [ "${1:-}" = "--tls" ]; then
        tls=yes
        shift
    fi
    [ "${1:-}" = "--" ] && shift
    [[ "$count" =~ ^[1-9][0-9]*$ ]] || die "usage: cluster.sh up N [--tls] [-- extra silo args]"
    mkdir -p "$state"
    if compgen -G "$state/*.pid" >/dev/null; then
        die "$state already holds a cluster; run 'cluster.sh down' first (or set PROTST_CLUSTER_DIR)"
    fi

    # Whatever goes wrong from here, stop what was started.
    trap 'rc=$?; if [ $rc -ne 0 ]; then down; fi' EXIT

    local program
    program=$(protst_command)
    local silo_config=()
    if [ -n "$tls" ]; then
        make_certificates
        silo_config=(--config "$state/tls/silo.json")
    fi

    start_redis
    local cluster
    cluster=$(cat "$state/cluster")

    local i
    for i in $(seq 1 "$count"); do
        # shellcheck disable=SC2086 # PROTST is a command line: split it into words.
        $program silo --cluster "$cluster" --devices "${PROTST_CLUSTER_DEVICES:-1}" --urls "http://127.0.0.1:0" "${silo_config[@]}" "$@" \
            </dev/null >"$state/silo-$i.log" 2>&1 &
        echo $! >"$state/silo-$i.pid"
    done

    local deadline=$((SECONDS + ${PROTST_CLUSTER_TIMEOUT:-180}))
    local view=""
    for i in $(seq 1 "$count"); do
        local address="" pid
        pid=$(cat "$state/silo-$i.pid")
        while :; do
            kill -0 "$pid" 2>/dev/null || { tail -n 20 "$state/silo-$i.log" >&2; die "silo $i (pid $pid) exited; log: $state/silo-$i.log"; }
            [ $SECONDS -lt $deadline ] || { tail -n 20 "$state/silo-$i.log" >&2; die "silo $i was not ready within ${PROTST_CLUSTER_TIMEOUT:-180} s"; }
            if [ -z "$address" ]; then
                # The program prints "silo ready: ..., job view http://127.0.0.1:PORT/, ..." once it listens.
                address=$(grep -o 'job view http://[^ ,]*' "$state/silo-$i.log" | head -n 1 | sed -e 's|job view ||' -e 's|/$||' || true)
            fi
            if [ -n "$address" ]; then
                local hostport=${address#http://}
                if [ "$(http_status "${hostport%:*}" "${hostport##*:}" /readyz || true)" = "200" ]; then
                    break
                fi
            fi
            sleep 0.5
        done
        echo "$address" >"$state/silo-$i.url"
        [ -n "$view" ] || view="$address/"
    done

    echo "$view" >"$state/view"
    [ -z "$tls" ] || echo "$state/tls/client.json" >"$state/config"
    trap - EXIT
    status
}

case "${1:-}" in
up)
    shift
    up "$@"
    ;;
down) down ;;
status) status ;;
*)
    echo "usage: cluster.sh up N [--tls] [-- extra silo args] | status | down" >&2
    exit 2
    ;;
esac
