#!/usr/bin/env bash
# One-node SLURM cluster (with slurmdbd accounting on a private MariaDB) for
# CI and local tests of the sinefreq workflow's SLURM profile.
#
#   .ci/slurm/cluster.sh install   # apt packages (root; skipped if installed)
#   .ci/slurm/cluster.sh start     # idempotent; no-op if already running
#   eval "$(.ci/slurm/cluster.sh env)"   # SLURM_CONF for sbatch/sacct/...
#   .ci/slurm/cluster.sh status
#   .ci/slurm/cluster.sh stop      # kills only the PIDs recorded by `start`
#
# Everything (configs, munge key, MariaDB datadir, spool, logs, sockets, PID
# files) lives under $SINEFREQ_SLURM_DIR (default /tmp/sinefreq-slurm), and no
# environment is changed globally: SLURM client commands find the cluster
# through SLURM_CONF (see `env`). The only file outside the run directory is
# a symlink /etc/slurm/slurm.conf, made only where none exists (see below).
# MariaDB listens on a unix socket in the run directory only (no TCP port);
# slurmdbd reaches it through MYSQL_UNIX_PORT.
#
# No systemd and no cgroups are needed: proctrack/linuxproc + task/none,
# SlurmUser=root.  Daemons run in the foreground (-D/-F) as children of a
# new session, so the PID recorded in $DIR/pids/NAME.pid is the daemon itself.
#
# Tunables (environment):
#   SINEFREQ_SLURM_DIR            run directory            (/tmp/sinefreq-slurm)
#   SINEFREQ_SLURM_CLUSTER        ClusterName              (sinefreq)
#   SINEFREQ_SLURM_ACCOUNT        account for the user     (sinefreq)
#   SINEFREQ_SLURM_PORT_BASE      slurmctld port; slurmd=+1, slurmdbd=+2 (6817)
#   SINEFREQ_SLURM_START_TIMEOUT  seconds to wait for the cluster   (90)
#   SINEFREQ_SLURM_ETC_LINK       1: link /etc/slurm/slurm.conf to our config
#                                 while running, if that file is absent (1)
#
# Why the /etc/slurm/slurm.conf link: inside each job the Snakemake
# slurm-jobstep plugin (0.6.1) runs `srun` with every SLURM_* variable except
# the job ids removed -- SLURM_CONF included -- so that srun only finds the
# cluster through the default config path. `start` creates the symlink only
# when no /etc/slurm/slurm.conf exists, and `stop` removes it only if it is
# still our symlink. Nothing else outside the run directory is touched.
set -euo pipefail

DIR="${SINEFREQ_SLURM_DIR:-/tmp/sinefreq-slurm}"
CLUSTER="${SINEFREQ_SLURM_CLUSTER:-sinefreq}"
ACCOUNT="${SINEFREQ_SLURM_ACCOUNT:-sinefreq}"
PORT_BASE="${SINEFREQ_SLURM_PORT_BASE:-6817}"
START_TIMEOUT="${SINEFREQ_SLURM_START_TIMEOUT:-90}"
ETC_LINK="${SINEFREQ_SLURM_ETC_LINK:-1}"
SYSTEM_CONF=/etc/slurm/slurm.conf
PACKAGES=(slurm-wlm munge slurmdbd mariadb-server)
# start order; stop goes in reverse
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)

ETC="$DIR/etc"
RUN="$DIR/run"
LOG="$DIR/log"
PIDS="$DIR/pids"
SLURM_CONF_FILE="$ETC/slurm.conf"
DBD_CONF_FILE="$ETC/slurmdbd.conf"
MUNGE_KEY="$ETC/munge.key"
MUNGE_SOCKET="$RUN/munge.socket"
MYSQL_DATA="$DIR/mysql"
MYSQL_SOCKET="$RUN/mysqld.sock"
CTLD_PORT="$PORT_BASE"
SLURMD_PORT=$((PORT_BASE + 1))
DBD_PORT=$((PORT_BASE + 2))

log() { printf '[cluster.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Client-side environment for every slurm command this script runs.
export SLURM_CONF="$SLURM_CONF_FILE"

# ---------------------------------------------------------------- binaries --
find_bin() { # NAME -> absolute path (also looks in sbin dirs)
    local p
    p="$(PATH="$PATH:/usr/sbin:/sbin:/usr/local/sbin" command -v "$1" 2>/dev/null || true)"
    [[ -n "$p" ]] || return 1
    printf '%s\n' "$p"
}

# Which executable a daemon NAME runs; used to guard against PID reuse.
daemon_exe_name() {
    case "$1" in
        mariadbd) echo "mariadbd|mysqld" ;;
        *) echo "$1" ;;
    esac
}

# ----------------------------------------------------------------- install --
packages_installed() {
    local p st
    for p in "${PACKAGES[@]}"; do
        st="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
        [[ "$st" == "install ok installed" ]] || return 1
    done
}

cmd_install() {
    if packages_installed; then
        log "packages already installed: ${PACKAGES[*]}"
        return 0
    fi
    [[ "$(id -u)" == 0 ]] || die "install needs root (apt-get)"
    command -v apt-get >/dev/null || die "apt-get not found (Debian/Ubuntu only)"
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update only when the package lists do not know slurm-wlm yet
    # (output captured first: grep -q closing the pipe early + pipefail
    # would otherwise look like a failure)
    local policy_out
    policy_out="$(apt-cache policy slurm-wlm 2>/dev/null || true)"
    if ! grep -q 'Candidate: [0-9]' <<<"$policy_out"; then
        log "apt-get update"
        apt-get update -qq
    fi
    # Keep the packages' maintainer scripts from starting system-wide
    # munge/mariadb/slurm services (we run our own instances): a temporary
    # policy-rc.d that denies service starts, removed again afterwards.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\n# temporary, from sinefreq .ci/slurm/cluster.sh install\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        created_policy=1
    fi
    local rc=0 apt_install=(apt-get install -y -qq --no-install-recommends
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
        "${PACKAGES[@]}")
    log "apt-get install ${PACKAGES[*]}"
    "${apt_install[@]}" || rc=$?
    if [[ "$rc" != 0 ]]; then
        # stale package lists (404 on a superseded version): refresh, retry once
        log "apt-get install failed (rc=$rc); apt-get update and retry"
        rc=0
        apt-get update -qq && "${apt_install[@]}" || rc=$?
    fi
    if [[ "$created_policy" == 1 ]]; then rm -f "$policy"; fi
    [[ "$rc" == 0 ]] || die "apt-get install failed (rc=$rc)"
    packages_installed || die "packages still not installed after apt-get"
    log "installed: ${PACKAGES[*]}"
}

# ------------------------------------------------------------ pid handling --
pid_of() { # NAME -> recorded pid (empty if none)
    local f="$PIDS/$1.pid"
    [[ -s "$f" ]] && tr -dc '0-9' <"$f" || true
}

# Is the recorded PID of NAME alive and still running that daemon?
is_alive() {
    local name="$1" pid exe
    pid="$(pid_of "$name")"
    [[ -n "$pid" ]] || return 1
    # (/proc, not kill -0: works for non-root callers of `status` too)
    [[ -d "/proc/$pid" ]] || return 1
    # guard against PID reuse: the process must run the expected binary
    exe="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | awk '{print $1}')"
    exe="${exe##*/}"
    [[ "$exe" =~ ^($(daemon_exe_name "$name"))$ ]] || return 1
    # a zombie is not alive
    [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}

all_alive() { local d; for d in "${DAEMONS[@]}"; do is_alive "$d" || return 1; done; }
any_alive() { local d; for d in "${DAEMONS[@]}"; do is_alive "$d" && return 0; done; return 1; }

# Start NAME: ARGS... in the background, in its own session, with no inherited
# stdio or lock fd; record its PID.
launch() {
    local name="$1"; shift
    log "starting $name: $*"
    FAIL_LOGS="$name"
    # `setsid` does not fork here (a background child of a non-interactive
    # shell is not a process-group leader), so $! is the daemon's PID.
    setsid "$@" </dev/null >>"$LOG/$name.out" 2>&1 9>&- &
    local pid=$!
    echo "$pid" >"$PIDS/$name.pid"
    sleep 0.2
    if ! is_alive "$name"; then
        fail "$name exited right after start"
    fi
}

# Print the relevant log tails, stop what this start launched, and die.
# FAIL_LOGS (set by the caller) names the daemons whose logs matter most.
FAIL_LOGS=""
STARTING=0
fail() {
    log "ERROR: $*"
    local f name files=()
    for name in $FAIL_LOGS; do
        for f in "$LOG/$name.log" "$LOG/$name.out"; do
            [[ -s "$f" ]] && files+=("$f")
        done
    done
    ((${#files[@]})) || for f in "$LOG"/*; do [[ -s "$f" ]] && files+=("$f"); done
    for f in "${files[@]}"; do
        printf '\n----- tail of %s -----\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
    if [[ "$STARTING" == 1 ]]; then
        log "stopping the daemons this start launched"
        stop_daemons || true
    fi
    die "$* (all logs in $LOG)"
}

wait_for() { # DESCRIPTION TIMEOUT COMMAND... : poll until COMMAND succeeds
    local what="$1" timeout="$2"; shift 2
    local deadline=$((SECONDS + timeout))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            fail "timed out after ${timeout}s waiting for $what"
        fi
        local d
        for d in "${DAEMONS[@]}"; do
            if [[ -n "$(pid_of "$d")" ]] && ! is_alive "$d"; then
                FAIL_LOGS="$d"
                fail "$d died while waiting for $what"
            fi
        done
        sleep 0.3
    done
}

# ------------------------------------------------------------------ config --
node_name() { hostname -s; }

write_configs() {
    local host cpus mem_mb real_mem def_mem
    host="$(node_name)"
    cpus="$(nproc)"
    mem_mb="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)" # = free -m
    # leave headroom so slurmd never sees less memory than configured
    real_mem=$((mem_mb * 9 / 10))
    def_mem=$((real_mem / cpus / 2))
    ((def_mem > 1000)) && def_mem=1000
    ((def_mem < 100)) && def_mem=100

    cat >"$SLURM_CONF_FILE" <<EOF
# generated by .ci/slurm/cluster.sh -- one-node test cluster, do not edit
ClusterName=$CLUSTER
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$DIR/spool/slurmctld
SlurmdSpoolDir=$DIR/spool/slurmd
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOG/slurmctld.log
SlurmdLogFile=$LOG/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
PlugStackConfig=$ETC/plugstack.conf
# no systemd / cgroups needed
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
MpiDefault=none
SwitchType=switch/none
LaunchParameters=use_interactive_step
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# jobs share the node; jobs without --mem get this much per CPU
DefMemPerCPU=$def_mem
ReturnToService=2
# keep finished jobs visible to squeue/scontrol for 5 min
MinJobAge=300
# accounting through slurmdbd (what sacct, and so the snakemake plugin, needs)
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
# for slurmdbd connections slurm uses this munge socket, not AuthInfo's
AccountingStoragePass=$MUNGE_SOCKET
JobCompType=jobcomp/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mem State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    : >"$ETC/plugstack.conf"

    # slurmdbd -> MariaDB over the private unix socket (MYSQL_UNIX_PORT is
    # honoured by the MariaDB client library for host=localhost)
    umask 077
    cat >"$DBD_CONF_FILE" <<EOF
# generated by .ci/slurm/cluster.sh -- do not edit
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$LOG/slurmdbd.log
PidFile=$RUN/slurmdbd.pid
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
EOF
    umask 022
    chmod 600 "$DBD_CONF_FILE"
}

make_munge_key() {
    [[ -s "$MUNGE_KEY" ]] && return 0
    umask 077
    dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    umask 022
    chmod 400 "$MUNGE_KEY"
}

init_mysql() {
    [[ -d "$MYSQL_DATA/mysql" ]] && return 0
    log "initialising MariaDB datadir $MYSQL_DATA"
    rm -rf "$MYSQL_DATA"
    mkdir -p "$MYSQL_DATA"
    local installdb
    installdb="$(find_bin mariadb-install-db || find_bin mysql_install_db)" ||
        die "mariadb-install-db not found; run: $0 install"
    # root@localhost authenticates via unix_socket (peer uid 0): no password
    "$installdb" --no-defaults --datadir="$MYSQL_DATA" --user=root \
        --auth-root-authentication-method=socket --skip-test-db \
        >"$LOG/mariadb-install-db.out" 2>&1 ||
        { FAIL_LOGS=mariadb-install-db; fail "mariadb-install-db failed"; }
}

mysql_ping() {
    local admin
    admin="$(find_bin mariadb-admin || find_bin mysqladmin)"
    "$admin" --no-defaults --socket="$MYSQL_SOCKET" -uroot ping
}

sacctmgr_setup() {
    local user
    user="$(id -un)"
    if [[ -z "$(sacctmgr -n -P list cluster "$CLUSTER" format=cluster 2>/dev/null)" ]]; then
        sacctmgr -i add cluster "$CLUSTER" >/dev/null || fail "sacctmgr add cluster failed"
    fi
    if [[ -z "$(sacctmgr -n -P list account "$ACCOUNT" format=account 2>/dev/null)" ]]; then
        sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" \
            Description="sinefreq test account" Organization=sinefreq >/dev/null ||
            fail "sacctmgr add account failed"
    fi
    if [[ -z "$(sacctmgr -n -P list association cluster="$CLUSTER" account="$ACCOUNT" user="$user" format=user 2>/dev/null)" ]]; then
        sacctmgr -i add user "$user" account="$ACCOUNT" cluster="$CLUSTER" >/dev/null ||
            fail "sacctmgr add user failed"
    fi
    # make $ACCOUNT the user's default (root starts with default account 'root')
    sacctmgr -i modify user "$user" set DefaultAccount="$ACCOUNT" >/dev/null 2>&1 || true
}

# /etc/slurm/slurm.conf -> our slurm.conf, only if absent (see header)
link_system_conf() {
    [[ "$ETC_LINK" == 1 ]] || return 0
    if [[ -L "$SYSTEM_CONF" && "$(readlink "$SYSTEM_CONF")" == "$SLURM_CONF_FILE" ]]; then
        return 0
    fi
    if [[ -e "$SYSTEM_CONF" || -L "$SYSTEM_CONF" ]]; then
        log "WARNING: $SYSTEM_CONF exists and is not ours; srun inside jobs" \
            "submitted by Snakemake (which drops SLURM_CONF) will read it"
        return 0
    fi
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -s "$SLURM_CONF_FILE" "$SYSTEM_CONF"
    log "linked $SYSTEM_CONF -> $SLURM_CONF_FILE"
}

unlink_system_conf() {
    if [[ -L "$SYSTEM_CONF" && "$(readlink "$SYSTEM_CONF")" == "$SLURM_CONF_FILE" ]]; then
        rm -f "$SYSTEM_CONF"
        log "removed link $SYSTEM_CONF"
    fi
}

node_idle() {
    sinfo -h -N -n "$(node_name)" -o '%T' 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'
}

# ------------------------------------------------------------------- start --
cmd_start() {
    mkdir -p "$DIR"
    exec 9>"$DIR/.lock"
    flock -w 120 9 || die "could not lock $DIR/.lock"

    if all_alive; then
        log "already running (run dir $DIR)"
        return 0
    fi
    if any_alive; then
        log "partially running; stopping our remaining daemons first"
        stop_daemons
    fi

    [[ "$(id -u)" == 0 ]] || die "start needs root (slurmd/slurmctld run as SlurmUser=root)"
    local b
    for b in munged mariadbd slurmdbd slurmctld slurmd sinfo sacct sacctmgr; do
        find_bin "$b" >/dev/null || die "$b not found; run: $0 install"
    done
    mkdir -p "$ETC" "$RUN" "$LOG" "$PIDS" "$DIR/munge" \
        "$DIR/spool/slurmctld" "$DIR/spool/slurmd"
    chmod 755 "$DIR" "$ETC" "$RUN" "$LOG" "$PIDS"
    chmod 700 "$DIR/munge"
    # fresh logs for this start (so error tails show this run only)
    local f
    for f in "$LOG"/*; do [[ -f "$f" ]] && : >"$f"; done
    rm -f "$PIDS"/*.pid "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock" "$MYSQL_SOCKET"
    # daemons run as root; refuse to run a foreign-owned run dir
    [[ "$(stat -c %u "$DIR")" == "$(id -u)" ]] || die "$DIR is not owned by $(id -un)"
    local t0=$SECONDS
    STARTING=1

    write_configs
    make_munge_key
    link_system_conf

    # 1. munge
    launch munged "$(find_bin munged)" --foreground --force \
        --key-file="$MUNGE_KEY" --socket="$MUNGE_SOCKET" \
        --pid-file="$RUN/munged.pid" --log-file="$LOG/munged.log" \
        --seed-file="$DIR/munge/munged.seed"
    wait_for "munged socket" 20 test -S "$MUNGE_SOCKET"

    # 2. MariaDB: unix socket in the run dir only, no TCP
    init_mysql
    launch mariadbd "$(find_bin mariadbd || find_bin mysqld)" --no-defaults \
        --user=root --datadir="$MYSQL_DATA" --socket="$MYSQL_SOCKET" \
        --skip-networking --pid-file="$RUN/mariadbd.pid" \
        --log-error="$LOG/mariadbd.log" --innodb-buffer-pool-size=64M \
        --innodb-log-file-size=48M --innodb-lock-wait-timeout=900 \
        --skip-log-bin --skip-name-resolve
    wait_for "MariaDB" 60 mysql_ping

    # 3. slurmdbd (talks to MariaDB through the unix socket)
    # slurmdbd has no -f: it reads slurmdbd.conf from dirname($SLURM_CONF)
    MYSQL_UNIX_PORT="$MYSQL_SOCKET" \
        launch slurmdbd "$(find_bin slurmdbd)" -D
    FAIL_LOGS="slurmdbd mariadbd"
    wait_for "slurmdbd" 60 sacctmgr -n list cluster
    sacctmgr_setup

    # 4. slurmctld, 5. slurmd
    launch slurmctld "$(find_bin slurmctld)" -D -f "$SLURM_CONF_FILE"
    wait_for "slurmctld" 30 scontrol ping
    launch slurmd "$(find_bin slurmd)" -D -f "$SLURM_CONF_FILE"

    # wait for the node to be schedulable; resume it if an earlier unclean
    # stop left it down/drained
    FAIL_LOGS="slurmctld slurmd"
    local deadline=$((SECONDS + START_TIMEOUT)) resumed=0
    until node_idle; do
        if ((SECONDS >= deadline)); then
            sinfo -N -l >&2 || true
            fail "timed out after ${START_TIMEOUT}s waiting for node $(node_name) to become idle"
        fi
        if ((resumed == 0)) && sinfo -h -N -o '%T' 2>/dev/null | grep -Eq 'down|drain'; then
            scontrol update nodename="$(node_name)" state=resume >/dev/null 2>&1 || true
            resumed=1
        fi
        is_alive slurmd || { FAIL_LOGS=slurmd; fail "slurmd died"; }
        is_alive slurmctld || { FAIL_LOGS=slurmctld; fail "slurmctld died"; }
        sleep 0.3
    done
    FAIL_LOGS="slurmdbd slurmctld"
    wait_for "sacct" 30 sacct -n -X
    log "cluster '$CLUSTER' up in $((SECONDS - t0))s (run dir $DIR)"
    log "use it with: eval \"\$($0 env)\""
}

# -------------------------------------------------------------------- stop --
stop_daemons() {
    # cancel jobs still on our cluster, so slurmd's job steps end too
    if is_alive slurmctld; then
        local ids
        ids="$(squeue -h -o %i 2>/dev/null | tr '\n' ' ' || true)"
        if [[ -n "${ids// /}" ]]; then
            log "cancelling jobs: $ids"
            # shellcheck disable=SC2086
            scancel $ids >/dev/null 2>&1 || true
            local i
            for i in $(seq 1 30); do
                [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break
                sleep 0.5
            done
        fi
    fi
    local i d pid
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
        d="${DAEMONS[$i]}"
        pid="$(pid_of "$d")"
        if [[ -n "$pid" ]] && is_alive "$d"; then
            log "stopping $d (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do # up to 20 s
                is_alive "$d" || break
                sleep 0.2
            done
            if is_alive "$d"; then
                log "$d (pid $pid) did not exit after TERM; sending KILL"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.2
            fi
        fi
        rm -f "$PIDS/$d.pid"
    done
    unlink_system_conf
}

cmd_stop() {
    [[ -d "$DIR" ]] || { log "nothing to stop ($DIR does not exist)"; return 0; }
    exec 9>"$DIR/.lock"
    flock -w 120 9 || die "could not lock $DIR/.lock"
    if ! any_alive; then
        rm -f "$PIDS"/*.pid
        unlink_system_conf
        log "not running"
        return 0
    fi
    stop_daemons
    log "stopped"
}

# ------------------------------------------------------------ status / env --
cmd_status() {
    local d pid rc=0
    for d in "${DAEMONS[@]}"; do
        pid="$(pid_of "$d")"
        if is_alive "$d"; then
            printf '%-10s running (pid %s)\n' "$d" "$pid"
        else
            printf '%-10s stopped\n' "$d"
            rc=3
        fi
    done
    if [[ "$rc" == 0 ]]; then
        sinfo -N -o '%N %T %c %m' 2>/dev/null || true
    fi
    return "$rc"
}

cmd_env() {
    printf 'export SLURM_CONF=%q\n' "$SLURM_CONF_FILE"
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    restart) cmd_stop; cmd_start ;;
    *)
        echo "usage: $0 {install|start|stop|status|env|restart}" >&2
        exit 2
        ;;
esac
