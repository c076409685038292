/* queue: why a commit is queued (its reason) and putting it there. */
#ifndef TJ_QUEUE_H
#define TJ_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "db.h"

/* Why a commit is in the queue; stored by name in queue.reason. */
enum queue_reason {
	QUEUE_NEW,	/* newly reachable from a tracked ref */
	QUEUE_MANUAL,	/* tj-gen queue add */
	QUEUE_BACKFILL,	/* tj-gen queue add-range / add-batch */
	QUEUE_CONFIRM,	/* a confirmation run of a suspected change */
	QUEUE_BISECT,	/* a step narrowing a change's commit range */
	QUEUE_N_REASONS
};

/* The stored name of r ("new", "manual", ...). */
const char *queue_reason_name(enum queue_reason r);

/* The reason named s, or -1 for an unknown name. */
int queue_reason_parse(const char *s);

/*
 * The text shown for a queue entry: "new", "manual", "backfill",
 * "confirm change #12", "bisect change #12, step 3 of ~5" (step/steps
 * omitted when not positive). kind is the stored name (NULL or unknown:
 * "new"). Always NUL-terminates buf (n > 0).
 */
void queue_reason_text(char *buf, size_t n, const char *kind,
    int64_t change_id, int step, int steps);

/*
 * The priority a reason gets from the config ([queue] priority-*; new
 * commits are always 0, the others are relative to them).
 */
int64_t queue_priority(const struct config *c, enum queue_reason r);

struct queue_entry {
	int64_t commit_id;
	enum queue_reason reason;
	int64_t change_id;	/* 0: none */
	int step, steps;	/* 0: none */
	int64_t priority;
	int force;		/* set the priority even when it is lower */
};

/*
 * Queue e->commit_id for e's reason, whether or not it already has runs.
 * When the commit is queued already, the entry takes e's reason and
 * priority if e->priority is at least the current one (or e->force); its
 * reservation is never touched, so a worker running it carries on. Marks
 * the queue, index and commit pages dirty when anything changed. Call
 * inside a transaction. 1 if the queue changed, 0 if not, -1 with err_set.
 */
int queue_put(struct db *db, const struct queue_entry *e);

#endif
