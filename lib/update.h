/* update: import a git repository into the db (commits, refs, queue). */
#ifndef TJ_UPDATE_H
#define TJ_UPDATE_H

#include <stdint.h>

#include "config.h"
#include "db.h"

struct update_stats {
	int64_t new_commits;
	int64_t refs_added;
	int64_t refs_moved;
	int64_t refs_deleted;
	int64_t refs_skipped;	/* refs that do not peel to a commit */
	int64_t queued;
	int first_import;	/* the db had no commits before */
};

/*
 * Bring db up to date with the repo at cfg->repo_path: import every commit
 * reachable from any ref that the db does not have (the walk stops at known
 * commits), add/move/delete refs, keep commits.reachable right, queue the
 * commits that newly became reachable from a tracked ref (on the first
 * import only the tips of tracked refs; the branch HEAD points to is tracked
 * then), and insert dirty rows for every page that changed. All of it is one
 * transaction. flags: UPDATE_FETCH first fetches cfg->repo_fetch_url with
 * its refspecs (cloning a bare repo first when cfg->repo_clone and the repo
 * is missing); UPDATE_PROGRESS shows progress on stderr. st may be NULL.
 * 0, or -1 with err_set (the db is then unchanged). Thread-safe as long as
 * db is this thread's own.
 */
#define UPDATE_FETCH 1
#define UPDATE_PROGRESS 2
int update_repo(struct db *db, const struct config *cfg, int flags,
    struct update_stats *st);

/* What update_reachability queues of the commits that newly became
 * reachable from a tracked ref (and have no run and are not queued). */
enum update_queue {
	UPDATE_QUEUE_ALL,	/* all of them */
	UPDATE_QUEUE_TIPS,	/* only those a tracked ref points at */
	UPDATE_QUEUE_NONE,	/* none */
};

/*
 * Recompute reachability from scratch (for track/untrack and after refs
 * went away or moved backwards), queue per mode, and drop unreserved queue
 * entries of commits no ref reaches any more. Call inside a transaction.
 * Returns the number of commits queued, or -1 with err_set.
 */
int64_t update_reachability(struct db *db, enum update_queue mode);

#endif
