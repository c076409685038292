#!/bin/bash
# t0206: after a submission tj-api re-renders the dirty pages (debounced,
# off the request threads): the run page appears in out/ and the dirty
# table drains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/api-lib.sh"
cd "$T_DIR" || exit 1

api_repo 2
api_conf
check "import with tj-gen" import_all
api_start --config "$T_DIR/tj.conf"
check_eq "ask" "$(post w1 "$(idle s1 true)")" 200
id=$(jr .run.id) h=$(jr .run.hash) st=$(jr .run.start)
check "the worker's page is rendered" wait_for 20 test -f "out/worker/w1/index.html"
sub='{"id":"'$id'","hash":"'$h'","bench_method":{"type":"internal"},"start":"'$st'","exit_code":0,"output":[[1,"<script>alert(1)</script>"]],"measurements":{"lines/total":{"value":42,"unit":"lines"}}}'
check_eq "submit" "$(post w1 '{"secret":"s1","status":{"type":"idle"},"submit_run":'"$sub"'}')" 200
check "the run page appears" wait_for 20 test -f "out/run/$id/index.html"
check "the commit page is there" wait_for 20 test -f "out/commit/$h/index.html"
check "the dirty rows are drained" wait_for 20 \
    sql_is tj.db 'SELECT count(*) FROM dirty' 0
check_match "the run page shows the metric" "$(cat "out/run/$id/index.html")" "lines/total"
check "the output is escaped" sh -c "! grep -q '<script>alert' out/run/$id/index.html"
check_match "render is logged only at debug, errors never" \
    "$(grep -c 'render:' api.log)" '^0$'
api_stop
check_eq "SIGTERM: clean exit" "$API_RC" 0
t_done
