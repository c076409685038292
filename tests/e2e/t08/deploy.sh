# t08/deploy.sh: sourced by the t08xx deployment tests after lib.sh and
# api-lib.sh: a small repo with runs made by a real tj-worker, and nginx
# started from scripts/nginx.conf with its own prefix in the scratch dir.

# site_with_runs N: $T_DIR/repo with N commits, imported with every commit
# queued, tj-api started on it ($API), one real tj-worker run (internal
# method) per commit of the queue, pages rendered into $T_DIR/out.
site_with_runs() {
	api_repo "$1"
	api_conf "	worker-timeout = 10s"
	import_all || return 1
	api_start --config "$T_DIR/tj.conf"
}

# worker_once URL NAME: one tj-worker --once run against URL.
worker_once() {
	"$TJ_WORKER" --server "$1" --token "$TOKEN" --name "$2" \
	    --dir "$T_DIR/$2.d" --once >>"$T_DIR/$2.log" 2>&1
}

# nginx_conf PORT OUT API_PORT: scripts/nginx.conf with the three marked
# lines changed, in $T_DIR/nginx/tablejohn.conf, inside a main config of
# its own (pid, logs and temp files under $T_DIR/nginx). Fails when a
# marked line is not found, so an edit of the recipe cannot go unseen.
nginx_conf() {
	local d="$T_DIR/nginx" user=""
	mkdir -p "$d/tmp" "$d/logs"
	sed -e "s|^\([[:space:]]*\)listen 80;|\1listen 127.0.0.1:$1;|" \
	    -e "s|alias /srv/tablejohn/out/;|alias $2/;|" \
	    -e "s|server 127.0.0.1:8221;|server 127.0.0.1:$3;|" \
	    "$TJ_TOP/scripts/nginx.conf" >"$d/tablejohn.conf"
	grep -q "listen 127.0.0.1:$1;" "$d/tablejohn.conf" &&
	    grep -q "alias $2/;" "$d/tablejohn.conf" &&
	    grep -q "server 127.0.0.1:$3;" "$d/tablejohn.conf" || return 1
	# As root, nginx's workers would drop to nobody, who cannot read the
	# scratch dir.
	[ "$(id -u)" = 0 ] && user="user root root;"
	cat >"$d/nginx.conf" <<CONF
$user
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log $d/logs/access.log;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	include $d/tablejohn.conf;
}
CONF
}

# nginx_start PORT: run nginx (in the foreground, in the background) with
# $T_DIR/nginx/nginx.conf and wait until it answers on PORT.
nginx_start() {
	local d="$T_DIR/nginx"
	nginx -t -q -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" \
	    >"$d/test.log" 2>&1 || return 1
	bg nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" \
	    -g 'daemon off;'
	NGINX_PID=$T_LAST_PID
	wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$1/" || return 1
	# Its worker too, so that a test that dies leaves no nginx behind.
	t_pids="$t_pids $(cat "/proc/$NGINX_PID/task/"*/children 2>/dev/null)"
}

# nginx_stop: SIGQUIT (graceful) and wait for it, at most 10 s.
nginx_stop() {
	kill -QUIT "$NGINX_PID" 2>/dev/null
	wait_for 10 pid_gone "$NGINX_PID" && wait "$NGINX_PID" 2>/dev/null
}

# pid_gone PID: the process has exited (a zombie counts).
pid_gone() {
	! kill -0 "$1" 2>/dev/null ||
	    grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
