#!/bin/sh
# The workshop's ZooKeeper image (Debian's ZooKeeper), run like the official
# `zookeeper` image: the same environment variables, the same folders, the same
# command, so docker-compose.yml works unchanged with either image.
#
#   ZOO_MY_ID  ZOO_SERVERS ("server.N=host:2888:3888;2181 ...")  ZOO_TICK_TIME
#   ZOO_INIT_LIMIT  ZOO_SYNC_LIMIT  ZOO_MAX_CLIENT_CNXNS  ZOO_STANDALONE_ENABLED
#   ZOO_ADMINSERVER_ENABLED  ZOO_4LW_COMMANDS_WHITELIST  ZOO_AUTOPURGE_PURGEINTERVAL
#   ZOO_AUTOPURGE_SNAPRETAINCOUNT  ZOO_CFG_EXTRA ("key=value key=value")
#   ZK_SERVER_HEAP (MB, default 1000)  JVMFLAGS       (as the release's zkEnv.sh reads them)
#
# As in the official image, zoo.cfg is written on a container's first start and
# kept afterwards (a restarted server reads the same file), and myid likewise.
set -eu
set -f    # the values are words, never file name patterns

: "${ZOO_CONF_DIR:=/conf}" "${ZOO_DATA_DIR:=/data}" "${ZOO_DATA_LOG_DIR:=/datalog}"

if [ "${1:-}" = "zkServer.sh" ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$ZOO_CONF_DIR" "$ZOO_DATA_DIR" "$ZOO_DATA_LOG_DIR"
    chown -R zookeeper:zookeeper "$ZOO_CONF_DIR" "$ZOO_DATA_DIR" "$ZOO_DATA_LOG_DIR"
    exec setpriv --reuid=zookeeper --regid=zookeeper --init-groups "$0" "$@"
fi

CONFIG="$ZOO_CONF_DIR/zoo.cfg"
if [ ! -f "$CONFIG" ]; then
    {
        echo "dataDir=$ZOO_DATA_DIR"
        echo "dataLogDir=$ZOO_DATA_LOG_DIR"
        echo "tickTime=${ZOO_TICK_TIME:-2000}"
        echo "initLimit=${ZOO_INIT_LIMIT:-5}"
        echo "syncLimit=${ZOO_SYNC_LIMIT:-2}"
        echo "autopurge.snapRetainCount=${ZOO_AUTOPURGE_SNAPRETAINCOUNT:-3}"
        echo "autopurge.purgeInterval=${ZOO_AUTOPURGE_PURGEINTERVAL:-0}"
        echo "maxClientCnxns=${ZOO_MAX_CLIENT_CNXNS:-60}"
        echo "standaloneEnabled=${ZOO_STANDALONE_ENABLED:-true}"
        echo "admin.enableServer=${ZOO_ADMINSERVER_ENABLED:-true}"
        for server in ${ZOO_SERVERS:-server.1=localhost:2888:3888;2181}; do
            echo "$server"
        done
        if [ -n "${ZOO_4LW_COMMANDS_WHITELIST:-}" ]; then
            echo "4lw.commands.whitelist=$ZOO_4LW_COMMANDS_WHITELIST"
        fi
        for entry in ${ZOO_CFG_EXTRA:-}; do
            echo "$entry"
        done
    } > "$CONFIG.tmp"
    mv "$CONFIG.tmp" "$CONFIG"
fi

if [ ! -f "$ZOO_DATA_DIR/myid" ]; then
    echo "${ZOO_MY_ID:-1}" > "$ZOO_DATA_DIR/myid"
fi

if [ "${1:-}" = "zkServer.sh" ]; then
    case "${2:-start-foreground}" in
        start-foreground) ;;
        *) echo "this image runs only 'zkServer.sh start-foreground'" >&2; exit 2 ;;
    esac
    # Debian's jar names its dependencies in its manifest; slf4j-simple sends the
    # server's log to stderr, which `docker logs` shows.
    # shellcheck disable=SC2086   # JVMFLAGS is a list of words, as in zkEnv.sh
    exec java "-Xmx${ZK_SERVER_HEAP:-1000}m" ${JVMFLAGS:-} \
        -cp "$ZOO_CONF_DIR:/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar" \
        -Dorg.slf4j.simpleLogger.showDateTime=true \
        -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$CONFIG"
fi

exec "$@"
