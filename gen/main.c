/* tj-gen: import a repo, keep the queue, render the site; the admin CLI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "log.h"

static const struct gen_verb verbs[] = {
	{"update", cmd_update, "[--fetch]",
	    "import new commits and refs from the repo, queue new work",
	    "Imports every commit the db does not have yet, adds, moves and\n"
	    "deletes refs, queues the commits that newly became reachable\n"
	    "from a tracked ref (the first import queues only the tips of\n"
	    "tracked refs, and tracks the branch HEAD points to), then\n"
	    "renders the pages that changed.\n"
	    "  --fetch      first fetch [repo] fetch-url with its refspecs\n"
	    "               (with [repo] clone = true, clone it if missing)\n"},
	{"refs", cmd_refs, "",
	    "list refs, tracked ones first",
	    "Lists every ref: tracked or not, its commit and subject.\n"},
	{"track", cmd_track, "[--tip-only|--no-queue] REF",
	    "track a ref (its commits get benchmarked)",
	    "Tracks REF (a full name or a branch, tag or remote branch name)\n"
	    "and queues the commits that thereby became reachable from a\n"
	    "tracked ref and have no run yet.\n"
	    "  --tip-only   queue only the commit REF points at\n"
	    "  --no-queue   queue nothing\n"},
	{"untrack", cmd_untrack, "REF",
	    "stop tracking a ref",
	    "Stops tracking REF. The queue is left as it is.\n"},
	{"queue", cmd_queue, "list | add REV [--priority N] | rm REV |"
	    " prio REV N | add-batch N [--priority P] |"
	    " add-range A..B [--every N] [--priority P]",
	    "show or change the queue of commits to benchmark",
	    "  list             the queue in the order workers get it, with\n"
	    "                   each entry's reason (new, manual, backfill,\n"
	    "                   confirm change #N, bisect change #N, step k)\n"
	    "  add REV          queue a commit (REV: hash or prefix, branch,\n"
	    "                   tag, HEAD~3, ...); --priority N (default\n"
	    "                   [queue] priority-manual, higher goes first)\n"
	    "  rm REV           remove a commit from the queue\n"
	    "  prio REV N       change a queued commit's priority\n"
	    "  add-batch N      queue the N newest tracked commits that have\n"
	    "                   no run and are not queued; --priority P\n"
	    "  add-range A..B   queue the first-parent commits after A up to\n"
	    "                   B that have no run and are not queued (reason\n"
	    "                   backfill); --every N: only the Nth, 2Nth, ...\n"
	    "                   counted from A\n"},
	{"change", cmd_change, "N [ack | ignore | note TEXT]",
	    "show a change's state and bisection, or triage it",
	    "Shows change #N: its metric, range, state (suspected,\n"
	    "confirming, bisecting step k of ~n, attributed to a commit\n"
	    "[via merge X], not confirmed, ran out of budget), each extra\n"
	    "run with its verdict, and its triage.\n"
	    "  ack          mark it seen and accepted\n"
	    "  ignore       mark it not worth attention\n"
	    "  note TEXT    keep a note with it (\"\" clears it)\n"
	    "Triage is kept apart from detection and survives it.\n"},
	{"import", cmd_import, "--commit REV [--format F] [--worker NAME] FILE"
	    " | --dry-run [--format F] FILE"
	    " | --from gab data.js | --from asv results/",
	    "store results made elsewhere as runs",
	    "Stores a result document made elsewhere as a run on a commit,\n"
	    "through the same checks and storage as a worker's submission.\n"
	    "The run id comes from the file's content, so importing the same\n"
	    "file again stores nothing.\n"
	    "  --commit REV   the commit the results are of (hash, branch, ...)\n"
	    "  --format F     jsonl, velcom, gbench, hyperfine, pytest, go, bmf,\n"
	    "                 gab-smaller, gab-bigger (default: a first line\n"
	    "                 \"#format F\", the file name, or recognised)\n"
	    "  --worker NAME  the run's worker (default: import)\n"
	    "  --dry-run      only read and check FILE (no --commit needed)\n"
	    "  FILE           the document; - for stdin\n"
	    "  --from gab data.js    github-action-benchmark's whole history\n"
	    "  --from asv results/   asv's whole results directory\n"
	    "                 each entry a run on its commit, with its date;\n"
	    "                 entries on commits the db does not have are\n"
	    "                 counted and reported, not imported\n"},
	{"check", cmd_check, "[--json] [--fail-above PCT] BASE HEAD",
	    "the significant changes between two runs (a CI gate)",
	    "Compares the runs BASE and HEAD (run ids, or commits or refs,\n"
	    "whose latest run is taken) metric by metric with each metric's\n"
	    "noise model learned from its history, and prints the\n"
	    "significant changes as a Markdown table (for a PR comment).\n"
	    "Exit status: 1 when a regression is found, 0 otherwise, 2 on\n"
	    "bad input (an unknown revision, a commit without a run, no\n"
	    "metric in common).\n"
	    "  --json             the same as JSON\n"
	    "  --fail-above PCT   exit 1 only for a regression of more than\n"
	    "                     PCT percent (default: any significant one)\n"},
	{"token", cmd_token, "",
	    "print the worker token tj-api checks",
	    "Prints $TJ_TOKEN, else [api] token, else the token tj-api made\n"
	    "and keeps in the db, for the workers' [server] token.\n"},
	{"render", cmd_render, "[--all]",
	    "write the pages that changed into the site (out/)",
	    "Renders the pages the dirty table names (and new commits) into\n"
	    "[site] out, atomically, leaving unchanged files alone.\n"
	    "  --all        rewrite every page (unchanged bytes still skip)\n"},
	{"changes", cmd_changes, "[--json] [--regressions|--improvements]"
	    " [--metric M] [--ref R] [--recompute]",
	    "list the changes found along the tracked refs",
	    "Lists every change detected on a tracked ref's first-parent\n"
	    "history, newest first: id, metric, change in %, kind, confidence,\n"
	    "commit range (last run before..first run after, commits between),\n"
	    "levels, state and ref. Runs any detection still pending first.\n"
	    "  --json          as JSON, each change as in changes.json\n"
	    "  --regressions, --improvements  only those\n"
	    "  --metric M, --ref R  only those of metric M, of ref R\n"
	    "  --recompute     detect again over every tracked ref's history\n"},
	{"detect", cmd_detect, "[--penalty X] [--min-points N] [--alpha X]"
	    " [--window N] FILE",
	    "find the change points of a series given as JSON or CSV",
	    "Runs the change-point detector on the series in FILE (- reads\n"
	    "stdin) and prints what it found as JSON: each change's index\n"
	    "(the first point of the new level), levels before and after,\n"
	    "delta_pct and confidence, and the series' noise.\n"
	    "FILE is JSON, an array of points or {\"points\": [...]}, each a\n"
	    "number, an array of repetition values or {\"values\": [...],\n"
	    "\"commit\": \"...\"}; or CSV, one point a line: its values\n"
	    "separated by commas, a field that is not a number its commit.\n"
	    "The options override the [detect] config keys.\n"},
	{"serve", cmd_serve, "[--listen ADDR:PORT]",
	    "serve the rendered site locally for a preview",
	    "Serves [site] out over HTTP until Ctrl-C.\n"
	    "  --listen ADDR:PORT  where (default 127.0.0.1:8000; port 0:\n"
	    "                      any free port; the URL is printed)\n"},
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: tj-gen VERB [OPTIONS] [ARGS]\n"
	    "       tj-gen --help | --version\n\n"
	    "tablejohn's admin tool: imports a git repository into the db,\n"
	    "keeps the benchmark queue and renders the static site.\n\n"
	    "Verbs:\n");
	for (i = 0; i < N_VERBS; i++)
		fprintf(f, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f, "\nEvery verb takes --config FILE, --db PATH, --repo PATH,\n"
	    "--out DIR, --no-render, --quiet, --verbose and --help.\n"
	    "`tj-gen VERB --help` tells more. Exit status: 0 ok, 1 error,\n"
	    "2 usage.\n");
}

int
main(int argc, char **argv)
{
	struct gen g;
	size_t i;
	int rc;

	log_init("tj-gen", LOG_INFO);
	term_guard();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char *hv[] = {argv[2], (char *)"--help", NULL};

			for (i = 0; i < N_VERBS; i++) {
				if (strcmp(verbs[i].name, argv[2]) != 0)
					continue;
				memset(&g, 0, sizeof(g));
				g.verb = &verbs[i];
				return verbs[i].run(&g, 2, hv);
			}
		}
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("tj-gen (tablejohn) %s\n", TJ_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < N_VERBS; i++) {
		if (strcmp(verbs[i].name, argv[1]) != 0)
			continue;
		memset(&g, 0, sizeof(g));
		g.verb = &verbs[i];
		rc = verbs[i].run(&g, argc - 1, argv + 1);
		gen_teardown(&g);
		return rc;
	}
	fprintf(stderr, "tj-gen: unknown verb '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
