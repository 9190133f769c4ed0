# A real PostgreSQL server for the command tests (sourced by run.sh and by
# scripts/bench-registry.sh). One server per run: initdb into a temporary
# directory as an unprivileged user (initdb and postgres refuse root: as root
# the server runs as nobody), trust authentication on a Unix socket in that
# directory only (listen_addresses='': no TCP port, nothing else on the
# machine can reach it), databases created per test. pg_stop stops it and
# removes the directory; the callers trap it on exit.
#
#   pg_start            start the server; 1 (and $PG_WHY) when it cannot
#   pg_stop             stop it (fast) and remove its directory
#   pg_crash            stop it the hard way (pg_ctl stop -m immediate)
#   pg_restart          start it again on the same data
#   pg_newdb NAME       create database NAME, print its registry URL
#   pg_url NAME [USER]  the registry URL of database NAME (as USER)
#   pg_sql DB SQL       run SQL as the superuser, unaligned output as sqlite3 -batch
#   pg_sql_as USER DB SQL  the same as USER
#
# PG_BINDIR=DIR: the server binaries are there (and only there).

PG_SUPER=postgres

# The server binaries: pg_config --bindir names the client's directory, which
# on Debian has no server; the server lives in /usr/lib/postgresql/N/bin.
pg_find_bindir() {
	for _d in ${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r) \
		$(command -v postgres 2>/dev/null | sed 's,/postgres$,,')}; do
		if [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && [ -x "$_d/postgres" ]; then
			echo "$_d"
			return 0
		fi
	done
	return 1
}

# as_pg CMD...: runs CMD as the server's user (nobody when we are root), in /
# (the caller's directory may be closed to it).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && setpriv --reuid="$PG_UID" --regid="$PG_GID" --clear-groups -- "$@")
	else
		(cd / && "$@")
	fi
}

pg_start() {
	PG_WHY=
	if ! PG_BIN=$(pg_find_bindir); then
		PG_WHY="PostgreSQL server not installed (apt-get install postgresql)"
		return 1
	fi
	if [ "$(id -u)" = 0 ]; then
		PG_UID=$(id -u nobody 2>/dev/null) && PG_GID=$(id -g nobody) || {
			PG_WHY="no user nobody to run the PostgreSQL server as"
			return 1
		}
	fi
	# /tmp, not $TMPDIR: nobody must reach it, and a socket path is short.
	PG_DIR=$(mktemp -d /tmp/modelseal-pg.XXXXXX) || return 1
	PG_DATA=$PG_DIR/data
	[ "$(id -u)" = 0 ] && chown "$PG_UID:$PG_GID" "$PG_DIR"
	if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_SUPER" --auth=trust -E UTF8 \
		--no-sync >"$PG_DIR/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")"
		pg_stop
		return 1
	fi
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$PG_DIR'"
		echo "max_connections = 120"
		# a test server: losing it in a machine crash loses nothing
		echo "fsync = off"
		echo "full_page_writes = off"
	} >>"$PG_DATA/postgresql.conf"
	export PG_BIN PG_DIR PG_DATA PG_UID PG_GID
	pg_restart || {
		PG_WHY="the PostgreSQL server did not start: $(tail -n 3 "$PG_DIR/server.log" 2>/dev/null)"
		pg_stop
		return 1
	}
}

pg_restart() {
	as_pg "$PG_BIN/pg_ctl" start -w -t 60 -D "$PG_DATA" -l "$PG_DIR/server.log" >/dev/null 2>&1
}

pg_crash() {
	as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -D "$PG_DATA" >/dev/null 2>&1
}

pg_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	if [ -f "$PG_DATA/postmaster.pid" ]; then
		as_pg "$PG_BIN/pg_ctl" stop -m fast -w -t 30 -D "$PG_DATA" >/dev/null 2>&1 ||
			as_pg "$PG_BIN/pg_ctl" stop -m immediate -w -D "$PG_DATA" >/dev/null 2>&1
	fi
	rm -rf "$PG_DIR"
	PG_DIR=
}

pg_url() {
	echo "postgresql:///$1?host=$PG_DIR&user=${2:-$PG_SUPER}"
}

# (no variables: the callers' are global too)
pg_sql_as() {
	"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" -U "$1" -d "$2" -c "$3"
}
pg_sql() { pg_sql_as "$PG_SUPER" "$1" "$2"; }

pg_newdb() {
	pg_sql postgres "CREATE DATABASE \"$1\"" >/dev/null && pg_url "$1"
}
