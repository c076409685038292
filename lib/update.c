/* update: import a git repository into the db (commits, refs, queue). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "err.h"
#include "log.h"
#include "update.h"
#include "utf8.h"

/* Open-addressing map from an object id to a commit id. */
struct oidmap {
	git_oid *oids;
	int64_t *ids;	/* 0: empty slot */
	size_t cap;
	size_t n;
};

struct edge {
	int64_t child;
	int64_t parent;
	int idx;
};

struct walk {
	git_odb *odb;
	struct db *db;
	int first_import;
	int fk_off;		/* foreign keys are off: pipeline allowed */
	int shallow;
	struct oidmap map;
	git_oid *todo;		/* stack of commits to read */
	int64_t *todo_id;
	size_t ntodo, captodo;
	struct edge *edges;
	size_t nedges, capedges;
	int64_t next_id;
	int64_t max_old;	/* ids up to this were in the db before */
	int level;		/* reachable value of what is read now */
	int64_t *boundary;	/* old parents of new commits, and */
	int *boundary_level;	/* the level the new child got */
	size_t nboundary, capboundary;
	int64_t done;
	int progress;
	int tty;
};

struct repo_ref {
	char *name;
	git_oid oid;		/* the commit it peels to */
	int64_t id;		/* its commit id, once known (0: not yet) */
	int tracked;
	int changed;		/* added or moved by this update */
};

struct db_ref {
	char *name;
	int64_t commit_id;
	int tracked;
	char hash[GIT_OID_HEXSZ + 1];
	git_oid oid;
};

static pthread_once_t git_once = PTHREAD_ONCE_INIT;

/* Log how long the phase since the last call took (with --verbose). */
static void
phase(struct timespec *t0, const char *what)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("update: %s took %.1f ms", what,
	    (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6);
	*t0 = t1;
}

static void
git_setup(void)
{
	git_libgit2_init();
	/* We read each object once: the cache and re-hashing every object
	 * only cost time. */
	git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
}

static int
git_err(const char *context)
{
	const git_error *e = git_error_last();

	err_set("%s: %s", context, e && e->message ? e->message : "unknown "
	    "libgit2 error");
	return -1;
}

static size_t
oidslot(const git_oid *o, size_t cap)
{
	uint64_t h;

	memcpy(&h, o->id, sizeof(h));
	return (size_t)(h & (cap - 1));
}

static void
oidmap_grow(struct oidmap *m)
{
	struct oidmap n;
	size_t i, s;

	n.cap = m->cap ? m->cap * 2 : 1024;
	n.n = m->n;
	n.oids = xmalloc(n.cap * sizeof(*n.oids));
	n.ids = xcalloc(n.cap, sizeof(*n.ids));
	for (i = 0; i < m->cap; i++) {
		if (m->ids[i] == 0)
			continue;
		s = oidslot(&m->oids[i], n.cap);
		while (n.ids[s] != 0)
			s = (s + 1) & (n.cap - 1);
		n.oids[s] = m->oids[i];
		n.ids[s] = m->ids[i];
	}
	free(m->oids);
	free(m->ids);
	*m = n;
}

/* The id stored for o, or 0. */
static int64_t
oidmap_get(const struct oidmap *m, const git_oid *o)
{
	size_t s;

	if (m->cap == 0)
		return 0;
	s = oidslot(o, m->cap);
	while (m->ids[s] != 0) {
		if (git_oid_equal(&m->oids[s], o))
			return m->ids[s];
		s = (s + 1) & (m->cap - 1);
	}
	return 0;
}

static void
oidmap_put(struct oidmap *m, const git_oid *o, int64_t id)
{
	size_t s;

	if ((m->n + 1) * 2 > m->cap)
		oidmap_grow(m);
	s = oidslot(o, m->cap);
	while (m->ids[s] != 0)
		s = (s + 1) & (m->cap - 1);
	m->oids[s] = *o;
	m->ids[s] = id;
	m->n++;
}

static void
oidmap_free(struct oidmap *m)
{
	free(m->oids);
	free(m->ids);
}

/* Known commit id for o: from this walk or the db; 0 if new, -1 on error. */
static int64_t
known_id(struct walk *w, const git_oid *o)
{
	char hex[GIT_OID_HEXSZ + 1];
	int64_t id = oidmap_get(&w->map, o);

	if (id != 0 || w->first_import)
		return id;
	git_oid_tostr(hex, sizeof(hex), o);
	return db_commit_id(w->db, hex);
}

/* Give o the next id and put it on the stack of commits to read. */
static int64_t
push(struct walk *w, const git_oid *o)
{
	int64_t id = w->next_id++;

	oidmap_put(&w->map, o, id);
	if (w->ntodo == w->captodo) {
		w->captodo = w->captodo ? w->captodo * 2 : 256;
		w->todo = xrealloc(w->todo, w->captodo * sizeof(*w->todo));
		w->todo_id = xrealloc(w->todo_id,
		    w->captodo * sizeof(*w->todo_id));
	}
	w->todo[w->ntodo] = *o;
	w->todo_id[w->ntodo++] = id;
	return id;
}

static void
add_edge(struct walk *w, int64_t child, int64_t parent, int idx)
{
	if (w->nedges == w->capedges) {
		w->capedges = w->capedges ? w->capedges * 2 : 1024;
		w->edges = xrealloc(w->edges, w->capedges * sizeof(*w->edges));
	}
	w->edges[w->nedges].child = child;
	w->edges[w->nedges].parent = parent;
	w->edges[w->nedges++].idx = idx;
}

static void
add_boundary(struct walk *w, int64_t id, int level)
{
	if (w->nboundary == w->capboundary) {
		w->capboundary = w->capboundary ? w->capboundary * 2 : 16;
		w->boundary = xrealloc(w->boundary,
		    w->capboundary * sizeof(*w->boundary));
		w->boundary_level = xrealloc(w->boundary_level,
		    w->capboundary * sizeof(*w->boundary_level));
	}
	w->boundary_level[w->nboundary] = level;
	w->boundary[w->nboundary++] = id;
}

#define SIG_TIME_MIN (-62135596800LL)	/* 0001-01-01T00:00:00Z */
#define SIG_TIME_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */

struct sig {
	const char *name, *email;
	size_t namelen, emaillen;
	int64_t time;
	int tz;	/* minutes east of UTC */
};

/* Parse "Name <email> 1700000000 +0130" (the rest of an author line). */
static void
parse_sig(const char *p, const char *end, struct sig *s)
{
	const char *lt = memchr(p, '<', (size_t)(end - p)), *gt = NULL, *q;
	char num[48], *e;
	size_t n;
	long tz;

	memset(s, 0, sizeof(*s));
	s->name = p;
	s->email = "";
	for (q = end; q > p; q--) {
		if (q[-1] == '>') {
			gt = q - 1;
			break;
		}
	}
	if (lt == NULL || gt == NULL || gt < lt) {
		/* Malformed: keep the whole line as the name. */
		s->namelen = (size_t)(end - p);
		return;
	}
	q = lt;
	while (q > p && q[-1] == ' ')
		q--;
	s->namelen = (size_t)(q - p);
	s->email = lt + 1;
	s->emaillen = (size_t)(gt - lt - 1);
	p = gt + 1;
	n = (size_t)(end - p);
	if (n > sizeof(num) - 1)
		n = sizeof(num) - 1;
	memcpy(num, p, n);
	num[n] = '\0';
	errno = 0;
	s->time = strtoll(num, &e, 10);
	/* A date past what a calendar prints (years 1 to 9999) reads as 0,
	 * as git log shows it. */
	if (errno == ERANGE || s->time < SIG_TIME_MIN || s->time > SIG_TIME_MAX)
		s->time = 0;
	while (*e == ' ')
		e++;
	if ((e[0] == '+' || e[0] == '-') && strlen(e) >= 5) {
		tz = strtol(e + 1, NULL, 10);
		/* An offset RFC 3339 cannot write (+9999) reads as UTC. */
		if (tz >= 0 && tz / 100 < 24 && tz % 100 < 60) {
			s->tz = (int)((tz / 100) * 60 + tz % 100);
			if (e[0] == '-')
				s->tz = -s->tz;
		}
	}
}

static int
bind_repaired(sqlite3_stmt *st, int col, const char *p, size_t n)
{
	size_t len;
	char *fixed;

	if (utf8_valid(p, n))
		return sqlite3_bind_text(st, col, p, (int)n, SQLITE_STATIC);
	fixed = utf8_repair(p, n, &len);
	return sqlite3_bind_text(st, col, fixed, (int)len, free);
}

/* One parsed commit, on its way from the reader to the db. */
struct rec {
	git_odb_object *obj;	/* owns the bytes the fields point into */
	int64_t id;
	int level;
	char hex[GIT_OID_HEXSZ + 1];
	struct sig author, committer;
	const char *msg;
	size_t msglen;
	int64_t *parents;	/* distinct parents in order; owned */
	int nparents;
};

/* Read one commit object into r and push its unknown parents. */
static int
read_one(struct walk *w, const git_oid *oid, int64_t id, struct rec *r)
{
	const char *data, *p, *end, *nl, *msg;
	int64_t pid;
	int i, dup, cap = 0;
	git_oid poid;

	memset(r, 0, sizeof(*r));
	r->id = id;
	r->level = w->level;
	git_oid_tostr(r->hex, sizeof(r->hex), oid);
	if (git_odb_read(&r->obj, w->odb, oid) < 0)
		return git_err(r->hex);
	if (git_odb_object_type(r->obj) != GIT_OBJECT_COMMIT) {
		err_set("%s: not a commit", r->hex);
		return -1;
	}
	data = git_odb_object_data(r->obj);
	end = data + git_odb_object_size(r->obj);
	r->author.name = r->committer.name = "";
	r->author.email = r->committer.email = "";
	msg = end;
	for (p = data; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p) {
			msg = nl + 1 <= end ? nl + 1 : end;
			break;
		}
		if (nl - p == 47 && memcmp(p, "parent ", 7) == 0) {
			if (git_oid_fromstrn(&poid, p + 7, 40) < 0) {
				err_set("%s: bad parent line", r->hex);
				return -1;
			}
			pid = known_id(w, &poid);
			if (pid < 0)
				return -1;
			if (pid == 0) {
				/* A shallow clone lacks the parents past its
				 * edge: no edge for those. */
				if (w->shallow && !git_odb_exists(w->odb,
				    &poid))
					continue;
				pid = push(w, &poid);
			}
			if (pid <= w->max_old)
				add_boundary(w, pid, w->level);
			dup = 0;
			for (i = 0; i < r->nparents; i++)
				dup |= r->parents[i] == pid;
			if (dup)
				continue;
			if (r->nparents == cap) {
				cap = cap ? cap * 4 : 2;
				r->parents = xrealloc(r->parents,
				    (size_t)cap * sizeof(*r->parents));
			}
			r->parents[r->nparents++] = pid;
		} else if (nl - p > 7 && memcmp(p, "author ", 7) == 0) {
			parse_sig(p + 7, nl, &r->author);
		} else if (nl - p > 10 && memcmp(p, "committer ", 10) == 0) {
			parse_sig(p + 10, nl, &r->committer);
		}
	}
	r->msg = msg;
	r->msglen = (size_t)(end - msg);
	return 0;
}

/* Free what r owns. */
static void
rec_free(struct rec *r)
{
	git_odb_object_free(r->obj);
	r->obj = NULL;
	free(r->parents);
	r->parents = NULL;
}

/* Insert the edge from child to its idx-th parent: the one way edges go
 * into the db. */
static int
insert_edge(struct db *db, int64_t child, int64_t parent, int idx)
{
	sqlite3_stmt *st = db_stmt(db, "update.insert_edge",
	    "INSERT INTO commit_edges (child, parent, idx) VALUES (?, ?, ?)");

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, child);
	sqlite3_bind_int64(st, 2, parent);
	sqlite3_bind_int(st, 3, idx);
	return db_step_done(db, st);
}

/* Insert r's edges to its parents. */
static int
insert_edges(struct db *db, const struct rec *r)
{
	int i;

	for (i = 0; i < r->nparents; i++)
		if (insert_edge(db, r->id, r->parents[i], i) < 0)
			return -1;
	return 0;
}

/* Insert r's row (and with edges, its edges: only when foreign keys are
 * off, since its parents come later) and free r. */
static int
insert_rec(struct db *db, struct rec *r, int edges)
{
	static const char sql[] = "INSERT INTO commits (id, hash, "
	    "author_name, author_email, author_time, author_tz, "
	    "committer_name, committer_email, committer_time, committer_tz, "
	    "message, reachable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, "update.insert_rec", sql);
	int rc = -1;

	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, r->hex, GIT_OID_HEXSZ, SQLITE_STATIC);
	bind_repaired(st, 3, r->author.name, r->author.namelen);
	bind_repaired(st, 4, r->author.email, r->author.emaillen);
	sqlite3_bind_int64(st, 5, r->author.time);
	sqlite3_bind_int(st, 6, r->author.tz);
	bind_repaired(st, 7, r->committer.name, r->committer.namelen);
	bind_repaired(st, 8, r->committer.email, r->committer.emaillen);
	sqlite3_bind_int64(st, 9, r->committer.time);
	sqlite3_bind_int(st, 10, r->committer.tz);
	bind_repaired(st, 11, r->msg, r->msglen);
	sqlite3_bind_int(st, 12, r->level);
	rc = db_step_done(db, st);
	/* The bindings point into obj: let go of them first. */
	sqlite3_clear_bindings(st);
	if (rc == 0 && edges)
		rc = insert_edges(db, r);
out:
	rec_free(r);
	return rc;
}

static void
show_progress(struct walk *w, int last)
{
	if (!w->progress)
		return;
	if (w->tty) {
		if (last || w->done % 1000 == 0)
			fprintf(stderr, "\rimporting commits: %lld%s",
			    (long long)w->done, last ? ", done.\n" : "");
	} else if (w->done % 10000 == 0 && !last) {
		fprintf(stderr, "importing commits: %lld\n",
		    (long long)w->done);
	}
}

/*
 * A first import reads commits on a second thread while this one inserts
 * them: reading (zlib) and inserting (sqlite) take about as long as each
 * other. Only then: the reader may not touch the db, and a first import
 * needs no db lookups (nothing is known yet).
 */
#define PIPE_SIZE 1024

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct rec recs[PIPE_SIZE];
	size_t head, tail;	/* head - tail records are waiting */
	int reader_done;	/* no more records will come */
	int consumer_waits;	/* signal only a thread that waits: a */
	int reader_waits;	/* futex wake per record costs a lot */
	int stop;		/* the consumer failed: reader, give up */
	int reader_rc;
	char reader_err[1024];
};

/* Hand r to the inserter (pipeline) or insert it here. */
static int
emit(struct walk *w, struct pipe *pp, struct rec *r)
{
	int rc = 0;

	if (pp == NULL) {
		for (int i = 0; i < r->nparents; i++)
			add_edge(w, r->id, r->parents[i], i);
		rc = insert_rec(w->db, r, 0);
		w->done++;
		show_progress(w, 0);
		return rc;
	}
	pthread_mutex_lock(&pp->mu);
	while (pp->head - pp->tail == PIPE_SIZE && !pp->stop) {
		pp->reader_waits = 1;
		pthread_cond_wait(&pp->not_full, &pp->mu);
	}
	if (pp->stop) {
		rc = -1;
		err_set("stopped");
		rec_free(r);
	} else {
		pp->recs[pp->head % PIPE_SIZE] = *r;
		pp->head++;
		if (pp->consumer_waits && pp->head - pp->tail >= 64) {
			pp->consumer_waits = 0;
			pthread_cond_signal(&pp->not_empty);
		}
	}
	pthread_mutex_unlock(&pp->mu);
	return rc;
}

/* Read everything on the stack. */
static int
drain(struct walk *w, struct pipe *pp)
{
	struct rec r;
	git_oid oid;
	int64_t id;

	while (w->ntodo > 0) {
		w->ntodo--;
		oid = w->todo[w->ntodo];
		id = w->todo_id[w->ntodo];
		if (read_one(w, &oid, id, &r) < 0) {
			rec_free(&r);
			return -1;
		}
		if (emit(w, pp, &r) < 0)
			return -1;
	}
	return 0;
}

/*
 * Read every commit reachable from the refs that the db does not have.
 * Tracked refs are walked first: what they reach is new and reachable from
 * a tracked ref (level 2), since every ancestor of a commit already in the
 * db is in the db too; what the untracked refs reach after that is level 1.
 */
static int
walk_refs(struct walk *w, struct repo_ref *refs, size_t nrefs,
    struct pipe *pp)
{
	size_t i;
	int64_t id;
	int pass;

	for (pass = 2; pass >= 1; pass--) {
		w->level = pass;
		for (i = 0; i < nrefs; i++) {
			if ((pass == 2) != (refs[i].tracked != 0))
				continue;
			if (refs[i].id != 0)
				continue;	/* the db has the ref there */
			id = known_id(w, &refs[i].oid);
			if (id < 0)
				return -1;
			refs[i].id = id ? id : push(w, &refs[i].oid);
		}
		if (drain(w, pp) < 0)
			return -1;
	}
	return 0;
}

struct reader_arg {
	struct walk *w;
	struct repo_ref *refs;
	size_t nrefs;
	struct pipe *pp;
};

static void *
reader_main(void *arg)
{
	struct reader_arg *a = arg;
	struct pipe *pp = a->pp;
	int rc = walk_refs(a->w, a->refs, a->nrefs, pp);

	pthread_mutex_lock(&pp->mu);
	pp->reader_done = 1;
	pp->consumer_waits = 0;
	pp->reader_rc = rc;
	if (rc < 0)
		snprintf(pp->reader_err, sizeof(pp->reader_err), "%s",
		    err_get());
	pthread_cond_signal(&pp->not_empty);
	pthread_mutex_unlock(&pp->mu);
	return NULL;
}

/* Insert what the reader thread sends until it is done. */
static int
consume(struct walk *w, struct pipe *pp)
{
	struct rec batch[64];
	size_t n, i;
	int rc = 0;

	for (;;) {
		pthread_mutex_lock(&pp->mu);
		while (pp->head == pp->tail && !pp->reader_done) {
			pp->consumer_waits = 1;
			pthread_cond_wait(&pp->not_empty, &pp->mu);
		}
		n = 0;
		while (pp->head != pp->tail && n < 64)
			batch[n++] = pp->recs[pp->tail++ % PIPE_SIZE];
		if (pp->reader_waits && PIPE_SIZE - (pp->head - pp->tail) >= 256) {
			pp->reader_waits = 0;
			pthread_cond_signal(&pp->not_full);
		}
		pthread_mutex_unlock(&pp->mu);
		if (n == 0)
			return rc;
		for (i = 0; i < n; i++) {
			if (rc == 0 && insert_rec(w->db, &batch[i], 1) < 0) {
				rc = -1;
				pthread_mutex_lock(&pp->mu);
				pp->stop = 1;
				pp->reader_waits = 0;
				pthread_cond_signal(&pp->not_full);
				pthread_mutex_unlock(&pp->mu);
			} else if (rc != 0) {
				rec_free(&batch[i]);
			}
			w->done++;
			show_progress(w, 0);
		}
	}
}

/* Import every new commit (see walk_refs), then the edges. */
static int
walk_import(struct walk *w, struct repo_ref *refs, size_t nrefs)
{
	struct reader_arg arg;
	struct pipe *pp;
	pthread_t th;
	size_t i;
	int rc;

	if (!w->first_import || !w->fk_off) {
		if (walk_refs(w, refs, nrefs, NULL) < 0)
			return -1;
	} else {
		pp = xcalloc(1, sizeof(*pp));
		pthread_mutex_init(&pp->mu, NULL);
		pthread_cond_init(&pp->not_empty, NULL);
		pthread_cond_init(&pp->not_full, NULL);
		arg.w = w;
		arg.refs = refs;
		arg.nrefs = nrefs;
		arg.pp = pp;
		if (pthread_create(&th, NULL, reader_main, &arg) != 0) {
			rc = walk_refs(w, refs, nrefs, NULL);
		} else {
			rc = consume(w, pp);
			pthread_join(th, NULL);
			if (pp->reader_rc < 0 && !pp->stop) {
				err_set("%s", pp->reader_err);
				rc = -1;
			}
		}
		pthread_mutex_destroy(&pp->mu);
		pthread_cond_destroy(&pp->not_empty);
		pthread_cond_destroy(&pp->not_full);
		free(pp);
		if (rc < 0)
			return -1;
	}
	if (w->done > 0)
		show_progress(w, 1);
	/* Edges last, so every parent row exists for the foreign key. */
	for (i = 0; i < w->nedges; i++)
		if (insert_edge(w->db, w->edges[i].child, w->edges[i].parent,
		    w->edges[i].idx) < 0)
			return -1;
	return 0;
}

static void
db_refs_free(struct db_ref *refs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(refs[i].name);
	free(refs);
}

/* The db's refs with their commits' hashes, sorted by name (the same order
 * as strcmp: sqlite's BINARY collation compares bytes). */
static int
load_db_refs(struct db *db, struct db_ref **out, size_t *nout)
{
	sqlite3_stmt *st = db_stmt(db, "update.load_db_refs",
	    "SELECT r.name, r.commit_id, "
	    "r.tracked, c.hash FROM refs r JOIN commits c ON c.id = "
	    "r.commit_id ORDER BY r.name");
	struct db_ref *refs = NULL;
	size_t n = 0, cap = 0;
	int r;

	*out = NULL;
	*nout = 0;
	if (st == NULL)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			refs = xrealloc(refs, cap * sizeof(*refs));
		}
		refs[n].name = xstrdup((const char *)sqlite3_column_text(st,
		    0));
		refs[n].commit_id = sqlite3_column_int64(st, 1);
		refs[n].tracked = sqlite3_column_int(st, 2);
		snprintf(refs[n].hash, sizeof(refs[n].hash), "%s",
		    (const char *)sqlite3_column_text(st, 3));
		n++;
		if (git_oid_fromstr(&refs[n - 1].oid, refs[n - 1].hash) < 0) {
			err_set("ref %s: bad commit hash '%s' in the db",
			    refs[n - 1].name, refs[n - 1].hash);
			git_error_clear();
			sqlite3_reset(st);
			db_refs_free(refs, n);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		db_refs_free(refs, n);
		return db_err(db, "reading refs");
	}
	*out = refs;
	*nout = n;
	return 0;
}

/*
 * The commit ref names, through annotated tags, in *oid: 0, or 1 when it
 * names no commit. The commit is known by its type only, never parsed, so
 * one libgit2 would refuse (a date past its range) keeps its ref; the
 * import reads commits with its own, lenient parser.
 */
static int
peel_to_commit(git_reference *ref, git_oid *oid)
{
	git_repository *repo = git_reference_owner(ref);
	git_reference *res;
	git_object_t type;
	git_odb *odb;
	git_tag *tag;
	size_t len;
	int depth, rc = 1;

	if (git_reference_resolve(&res, ref) < 0)
		return 1;
	*oid = *git_reference_target(res);
	git_reference_free(res);
	if (git_repository_odb(&odb, repo) < 0)
		return 1;
	for (depth = 0; depth < 64; depth++) {
		if (git_odb_read_header(&len, &type, odb, oid) < 0)
			break;
		if (type == GIT_OBJECT_COMMIT) {
			rc = 0;
			break;
		}
		if (type != GIT_OBJECT_TAG || git_tag_lookup(&tag, repo,
		    oid) < 0)
			break;
		*oid = *git_tag_target_id(tag);
		git_tag_free(tag);
	}
	git_odb_free(odb);
	return rc;
}

/*
 * The commit ref peels to, in *oid; 1 if it does not peel to one. When the
 * db has ref at the commit ref's target names (or, for an annotated tag in
 * packed-refs, the commit its peeled line names), nothing is read: the db
 * only holds commits.
 */
static int
peel_ref(git_reference *ref, const struct db_ref *d, git_oid *oid)
{
	const git_oid *t;

	if (d != NULL && git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
		t = git_reference_target_peel(ref);
		if (t == NULL || !git_oid_equal(t, &d->oid))
			t = git_reference_target(ref);
		if (t != NULL && git_oid_equal(t, &d->oid)) {
			*oid = *t;
			return 0;
		}
	}
	if (peel_to_commit(ref, oid) != 0) {
		log_debug("skipping ref %s: it does not point to a commit",
		    git_reference_name(ref));
		git_error_clear();
		return 1;
	}
	return 0;
}

static int
gref_cmp(const void *a, const void *b)
{
	return strcmp(git_reference_name(*(git_reference *const *)a),
	    git_reference_name(*(git_reference *const *)b));
}

/*
 * Every ref of repo that peels to a commit, sorted by name. dr (the db's
 * refs, sorted by name) spares peeling the refs it already has; *same is
 * set when the repo's refs are exactly dr's, each at the same commit.
 */
static int
list_refs(git_repository *repo, const struct db_ref *dr, size_t ndr,
    struct repo_ref **out, size_t *nout, int64_t *skipped, int *same)
{
	git_reference_iterator *it = NULL;
	git_reference *ref, **refs = NULL;
	struct repo_ref *rr = NULL;
	const struct db_ref *d;
	size_t n = 0, cap = 0, i, j, nrr = 0, matched = 0;
	int r, c, rc = -1;

	*same = 0;
	if (git_reference_iterator_new(&it, repo) < 0) {
		git_err("listing refs");
		goto out;
	}
	while ((r = git_reference_next(&ref, it)) == 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			refs = xrealloc(refs, cap * sizeof(*refs));
		}
		refs[n++] = ref;
	}
	if (r != GIT_ITEROVER) {
		git_err("listing refs");
		goto out;
	}
	if (n > 0)
		qsort(refs, n, sizeof(*refs), gref_cmp);
	rr = xcalloc(n ? n : 1, sizeof(*rr));
	/* Both lists are sorted by name: merge them. */
	for (i = 0, j = 0; i < n; i++) {
		c = 1;
		while (j < ndr && (c = strcmp(git_reference_name(refs[i]),
		    dr[j].name)) > 0)
			j++;
		d = j < ndr && c == 0 ? &dr[j] : NULL;
		r = peel_ref(refs[i], d, &rr[nrr].oid);
		if (r != 0) {
			(*skipped)++;
			continue;
		}
		if (d != NULL && git_oid_equal(&rr[nrr].oid, &d->oid))
			matched++;
		rr[nrr++].name = xstrdup(git_reference_name(refs[i]));
	}
	*same = matched == ndr && nrr == ndr;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		git_reference_free(refs[i]);
	free(refs);
	git_reference_iterator_free(it);
	*out = rr;
	*nout = nrr;
	return rc;
}

static int
dirty_commit_id(struct db *db, int64_t id)
{
	return db_run_int(db, "update.dirty_commit_id",
	    "INSERT OR IGNORE INTO dirty (kind, key) SELECT "
	    "'commit', hash FROM commits WHERE id = ?", id);
}

/*
 * Mark commits reachable at level (1 any ref, 2 a tracked ref) from tip,
 * stopping at commits already at that level; the ones raised to 2 go into
 * temp.newly. Only ever raises levels.
 */
static int
raise_from(struct db *db, int64_t tip, int level)
{
	sqlite3_stmt *st;

	st = db_stmt(db, "update.raise_from",
	    "INSERT OR IGNORE INTO temp.raised (id) "
	    "WITH RECURSIVE r(id) AS ("
	    "  SELECT id FROM commits WHERE id = ?1 AND reachable < ?2"
	    "  UNION"
	    "  SELECT e.parent FROM commit_edges e JOIN r ON e.child = r.id"
	    "  JOIN commits c ON c.id = e.parent WHERE c.reachable < ?2"
	    ") SELECT id FROM r");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, tip);
	sqlite3_bind_int(st, 2, level);
	if (db_step_done(db, st) < 0)
		return -1;
	if (level == 2 && db_exec(db, "INSERT OR IGNORE INTO temp.newly (id) "
	    "SELECT id FROM temp.raised") < 0)
		return -1;
	st = db_stmt(db, "update.raise_from_set",
	    "UPDATE commits SET reachable = ?1 WHERE id IN "
	    "(SELECT id FROM temp.raised)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, level);
	if (db_step_done(db, st) < 0)
		return -1;
	return db_exec(db, "DELETE FROM temp.raised");
}

static int
temp_tables(struct db *db)
{
	return db_exec(db,
	    "CREATE TEMP TABLE IF NOT EXISTS raised (id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE IF NOT EXISTS newly (id INTEGER PRIMARY KEY);"
	    "CREATE TEMP TABLE IF NOT EXISTS reach (id INTEGER PRIMARY KEY, "
	    "  level INTEGER NOT NULL);"
	    "DELETE FROM temp.raised; DELETE FROM temp.newly; "
	    "DELETE FROM temp.reach;");
}

/* Recompute every commit's level; raised-to-2 ones go into temp.newly. */
static int
recompute_all(struct db *db)
{
	return db_exec(db,
	    "INSERT INTO temp.reach (id, level) "
	    "WITH RECURSIVE r(id) AS ("
	    "  SELECT commit_id FROM refs"
	    "  UNION"
	    "  SELECT e.parent FROM commit_edges e JOIN r ON e.child = r.id"
	    ") SELECT id, 1 FROM r;"
	    "UPDATE temp.reach SET level = 2 WHERE id IN ("
	    "  WITH RECURSIVE r(id) AS ("
	    "    SELECT commit_id FROM refs WHERE tracked"
	    "    UNION"
	    "    SELECT e.parent FROM commit_edges e JOIN r"
	    "    ON e.child = r.id"
	    "  ) SELECT id FROM r);"
	    "INSERT OR IGNORE INTO temp.newly (id) SELECT r.id FROM temp.reach r"
	    "  JOIN commits c ON c.id = r.id WHERE r.level = 2 AND"
	    "  c.reachable < 2;"
	    "UPDATE commits SET reachable = 0 WHERE reachable != 0 AND id NOT IN"
	    "  (SELECT id FROM temp.reach);"
	    "UPDATE commits SET reachable = (SELECT level FROM temp.reach t"
	    "  WHERE t.id = commits.id) WHERE id IN (SELECT id FROM temp.reach)"
	    "  AND reachable != (SELECT level FROM temp.reach t"
	    "  WHERE t.id = commits.id);"
	    "DELETE FROM temp.reach;");
}

/*
 * Queue temp.newly (the commits that became reachable from a tracked ref)
 * that have no run yet, as mode says (UPDATE_QUEUE_TIPS: those a tracked ref
 * points at). Returns the number queued or -1.
 */
static int64_t
queue_newly(struct db *db, enum update_queue mode)
{
	sqlite3_stmt *st;
	int64_t before;

	if (mode == UPDATE_QUEUE_NONE)
		return db_exec(db, "DELETE FROM temp.newly");

	if (db_exec(db, "DELETE FROM temp.newly WHERE id IN "
	    "(SELECT commit_id FROM runs) OR id IN (SELECT commit_id FROM "
	    "queue)") < 0)
		return -1;
	if (mode == UPDATE_QUEUE_TIPS && db_exec(db, "DELETE FROM temp.newly "
	    "WHERE id NOT IN "
	    "(SELECT commit_id FROM refs WHERE tracked)") < 0)
		return -1;
	before = sqlite3_total_changes64(db_handle(db));
	st = db_stmt(db, "update.queue_newly",
	    "INSERT OR IGNORE INTO queue (commit_id, added, "
	    "priority) SELECT id, ?, 0 FROM temp.newly");
	if (st == NULL)
		return -1;
	sqlite3_bind_double(st, 1, (double)time(NULL));
	if (db_step_done(db, st) < 0)
		return -1;
	before = sqlite3_total_changes64(db_handle(db)) - before;
	if (before > 0 && (db_dirty(db, "queue", "") < 0 ||
	    db_dirty(db, "index", "") < 0 ||
	    db_exec(db, "INSERT OR IGNORE INTO dirty (kind, key) SELECT "
	    "'commit', c.hash FROM commits c JOIN temp.newly n ON "
	    "n.id = c.id") < 0))
		return -1;
	if (db_exec(db, "DELETE FROM temp.newly") < 0)
		return -1;
	return before;
}

/*
 * The first-parent lines of the tracked refs (commits.mainline): the site
 * writes full pages for them. Commits that join or leave the line get a
 * dirty row. With all, the line is recomputed (a ref went away, moved
 * back or sideways, or a ref's tracking changed); else it is only
 * extended from the tracked tips down to where it was already marked, so
 * a commit a fast-forward took off the line keeps its mark until the next
 * recomputation (it keeps its page: more than needed, never less).
 */
static int
mainline_update(struct db *db, int all)
{
	if (all)
		return db_exec(db,
		    "INSERT INTO temp.reach (id, level) "
		    "WITH RECURSIVE fp(id) AS ("
		    "  SELECT commit_id FROM refs WHERE tracked"
		    "  UNION"
		    "  SELECT e.parent FROM commit_edges e JOIN fp"
		    "  ON e.child = fp.id WHERE e.idx = 0"
		    ") SELECT id, 1 FROM fp;"
		    "INSERT OR IGNORE INTO dirty (kind, key) SELECT 'commit', "
		    "  hash FROM commits WHERE (mainline = 1) != (id IN "
		    "  (SELECT id FROM temp.reach));"
		    "UPDATE commits SET mainline = 0 WHERE mainline = 1 AND "
		    "  id NOT IN (SELECT id FROM temp.reach);"
		    "UPDATE commits SET mainline = 1 WHERE mainline = 0 AND "
		    "  id IN (SELECT id FROM temp.reach);"
		    "DELETE FROM temp.reach;");
	return db_exec(db,
	    "INSERT OR IGNORE INTO temp.raised (id) "
	    "WITH RECURSIVE fp(id) AS ("
	    "  SELECT c.id FROM refs r JOIN commits c ON c.id = r.commit_id"
	    "  WHERE r.tracked AND c.mainline = 0"
	    "  UNION"
	    "  SELECT e.parent FROM commit_edges e JOIN fp ON e.child = fp.id"
	    "  JOIN commits c ON c.id = e.parent"
	    "  WHERE e.idx = 0 AND c.mainline = 0"
	    ") SELECT id FROM fp;"
	    "UPDATE commits SET mainline = 1 WHERE id IN "
	    "  (SELECT id FROM temp.raised);"
	    "INSERT OR IGNORE INTO dirty (kind, key) SELECT 'commit', c.hash "
	    "  FROM commits c JOIN temp.raised r ON r.id = c.id;"
	    "DELETE FROM temp.raised;");
}

/* Recompute every level, queue what temp.newly then holds, drop queue
 * entries of commits nothing reaches any more. */
static int64_t
recompute_and_queue(struct db *db, enum update_queue mode)
{
	int64_t dropped, queued;

	if (recompute_all(db) < 0 || mainline_update(db, 1) < 0)
		return -1;
	queued = queue_newly(db, mode);
	if (queued < 0)
		return -1;
	/* Commits no ref reaches any more are not worth benchmarking. */
	dropped = sqlite3_total_changes64(db_handle(db));
	if (db_exec(db, "DELETE FROM queue WHERE reserved_by IS NULL AND "
	    "commit_id IN (SELECT id FROM commits WHERE reachable = 0)") < 0)
		return -1;
	dropped = sqlite3_total_changes64(db_handle(db)) - dropped;
	if (dropped > 0 && (db_dirty(db, "queue", "") < 0 ||
	    db_dirty(db, "index", "") < 0))
		return -1;
	if (db_dirty(db, "graph", "") < 0)
		return -1;
	return queued;
}

int64_t
update_reachability(struct db *db, enum update_queue mode)
{
	if (temp_tables(db) < 0)
		return -1;
	return recompute_and_queue(db, mode);
}

/* Name of the branch HEAD points to ("refs/heads/main"), or NULL. */
static char *
head_branch(git_repository *repo)
{
	git_reference *head = NULL;
	char *name = NULL;

	if (git_reference_lookup(&head, repo, "HEAD") == 0 &&
	    git_reference_type(head) == GIT_REFERENCE_SYMBOLIC)
		name = xstrdup(git_reference_symbolic_target(head));
	git_error_clear();
	git_reference_free(head);
	return name;
}

/* Fetch [repo] fetch-url with its refspecs; with set_head (a fresh
 * clone), point HEAD at the remote's default branch. */
static int
do_fetch(git_repository *repo, const struct config *cfg, int set_head)
{
	git_fetch_options opts;
	git_strarray specs;
	git_remote *remote = NULL;
	git_buf head = {NULL, 0, 0};
	int rc = -1;

	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	specs.strings = cfg->repo_fetch_refspecs;
	specs.count = cfg->repo_n_fetch_refspecs;
	opts.prune = GIT_FETCH_PRUNE;
	/* Only what the refspecs name: following tags automatically trips
	 * over tags of trees and blobs ("object is not a committish"). */
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	if (git_remote_create_anonymous(&remote, repo,
	    cfg->repo_fetch_url) < 0) {
		git_err(cfg->repo_fetch_url);
		goto out;
	}
	if (git_remote_fetch(remote, &specs, &opts, NULL) < 0) {
		git_err("fetching");
		err_wrap("%s", cfg->repo_fetch_url);
		goto out;
	}
	if (set_head && git_remote_default_branch(&head, remote) == 0 &&
	    git_repository_set_head(repo, head.ptr) < 0)
		log_warn("cannot point HEAD at %s: %s", head.ptr,
		    git_error_last()->message);
	git_error_clear();
	rc = 0;
out:
	git_buf_dispose(&head);
	git_remote_free(remote);
	return rc;
}

static int
open_repo(git_repository **repo, const struct config *cfg, int fetch)
{
	struct stat sb;

	*repo = NULL;
	if (fetch && cfg->repo_fetch_url == NULL) {
		err_set("--fetch needs [repo] fetch-url in the config");
		return -1;
	}
	if (fetch && cfg->repo_clone && stat(cfg->repo_path, &sb) != 0) {
		/* A bare clone whose refs are exactly what the refspecs
		 * say (git_clone would add refs/remotes/origin/ ones). */
		log_info("cloning %s into %s", cfg->repo_fetch_url,
		    cfg->repo_path);
		if (git_repository_init(repo, cfg->repo_path, 1) < 0)
			return git_err(cfg->repo_path);
		return do_fetch(*repo, cfg, 1);
	}
	if (git_repository_open_ext(repo, cfg->repo_path,
	    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		git_err(cfg->repo_path);
		err_wrap("no git repository at '%s' (pass --repo PATH or set "
		    "[repo] path)", cfg->repo_path);
		return -1;
	}
	if (fetch && do_fetch(*repo, cfg, 0) < 0)
		return -1;
	return 0;
}

/* Add, move and delete refs; sets *full when reachability must be
 * recomputed from scratch (a ref went away or moved backwards/sideways).
 * Long: one merge of two sorted lists; its three cases share the
 * cursors. */
static int
sync_refs(struct db *db, git_repository *repo, struct repo_ref *rr,
    size_t nrr, const struct db_ref *dr, size_t ndr, int *full,
    struct update_stats *st)
{
	size_t i, j;
	sqlite3_stmt *s;
	char hex[GIT_OID_HEXSZ + 1];
	int c, changed = 0;

	/* Both lists are sorted by name (strcmp): merge them. */
	for (i = 0, j = 0; i < nrr || j < ndr;) {
		if (i == nrr)
			c = 1;
		else if (j == ndr)
			c = -1;
		else
			c = strcmp(rr[i].name, dr[j].name);
		if (c < 0) {
			s = db_stmt(db, "update.sync_refs",
			    "INSERT INTO refs (name, commit_id, "
			    "tracked) VALUES (?, ?, ?)");
			if (s == NULL)
				return -1;
			sqlite3_bind_text(s, 1, rr[i].name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 2, rr[i].id);
			/* New refs are untracked, but on a first import
			 * (mark_tracked). */
			sqlite3_bind_int(s, 3, rr[i].tracked);
			if (db_step_done(db, s) < 0 ||
			    db_dirty(db, "ref", rr[i].name) < 0 ||
			    dirty_commit_id(db, rr[i].id) < 0)
				return -1;
			st->refs_added++;
			rr[i].changed = 1;
			changed = 1;
			i++;
		} else if (c > 0) {
			s = db_stmt(db, "update.sync_refs_delete",
			    "DELETE FROM refs WHERE name = ?");
			if (s == NULL)
				return -1;
			sqlite3_bind_text(s, 1, dr[j].name, -1, SQLITE_STATIC);
			if (db_step_done(db, s) < 0 ||
			    db_dirty(db, "ref", dr[j].name) < 0 ||
			    db_dirty(db, "commit", dr[j].hash) < 0)
				return -1;
			st->refs_deleted++;
			*full = 1;
			changed = 1;
			j++;
		} else {
			if (rr[i].id != dr[j].commit_id) {
				s = db_stmt(db, "update.sync_refs_move",
				    "UPDATE refs SET commit_id = ? "
				    "WHERE name = ?");
				if (s == NULL)
					return -1;
				sqlite3_bind_int64(s, 1, rr[i].id);
				sqlite3_bind_text(s, 2, rr[i].name, -1,
				    SQLITE_STATIC);
				if (db_step_done(db, s) < 0 ||
				    db_dirty(db, "ref", rr[i].name) < 0 ||
				    db_dirty(db, "commit", dr[j].hash) < 0 ||
				    dirty_commit_id(db, rr[i].id) < 0)
					return -1;
				if (git_graph_descendant_of(repo, &rr[i].oid,
				    &dr[j].oid) != 1) {
					git_oid_tostr(hex, sizeof(hex),
					    &rr[i].oid);
					log_debug("%s moved from %.12s to %.12s "
					    "(not a fast-forward)", rr[i].name,
					    dr[j].hash, hex);
					git_error_clear();
					*full = 1;
				}
				st->refs_moved++;
				rr[i].changed = 1;
				changed = 1;
			}
			i++;
			j++;
		}
	}
	if (changed && db_dirty(db, "index", "") < 0)
		return -1;
	return 0;
}

/* Which refs are tracked: as in the db (dr, sorted by name), and on a first
 * import the branch HEAD points to. A ref the db has at the same commit
 * gets that commit's id. */
static void
mark_tracked(git_repository *repo, struct repo_ref *rr, size_t nrr,
    const struct db_ref *dr, size_t ndr, int first_import)
{
	char *head = first_import ? head_branch(repo) : NULL;
	size_t i, j;
	int c;

	for (i = 0, j = 0; i < nrr; i++) {
		rr[i].id = 0;
		rr[i].changed = 0;
		if (first_import) {
			rr[i].tracked = head && strcmp(head, rr[i].name) == 0;
			continue;
		}
		c = 1;
		while (j < ndr && (c = strcmp(rr[i].name, dr[j].name)) > 0)
			j++;
		rr[i].tracked = j < ndr && c == 0 && dr[j].tracked;
		if (j < ndr && c == 0 && git_oid_equal(&rr[i].oid, &dr[j].oid))
			rr[i].id = dr[j].commit_id;
	}
	free(head);
}

/* Dirty rows for the new commits (ids above max_id) and for the old
 * commits that got new children. */
static int
dirty_new(struct db *db, int64_t max_id)
{
	/* In hash order, so the rows append to dirty's b-tree. */
	if (db_run_int(db, "update.dirty_new",
	    "INSERT OR IGNORE INTO dirty (kind, key) SELECT "
	    "'commit', hash FROM commits WHERE id > ? ORDER BY hash",
	    max_id) < 0 ||
	    db_run_int(db, "update.dirty_new_parents",
	    "INSERT OR IGNORE INTO dirty (kind, key) SELECT "
	    "'commit', c.hash FROM commit_edges e JOIN commits c ON c.id = "
	    "e.parent WHERE e.child > ?1 AND e.parent <= ?1", max_id) < 0 ||
	    db_dirty(db, "graph", "") < 0 || db_dirty(db, "index", "") < 0)
		return -1;
	return 0;
}

/* The new commits a tracked ref reaches are queue candidates. */
static int
new_level2(struct db *db, int64_t max_id)
{
	return db_run_int(db, "update.new_level2",
	    "INSERT OR IGNORE INTO temp.newly (id) SELECT id "
	    "FROM commits WHERE id > ? AND reachable = 2", max_id);
}

static int
max_commit_id(struct db *db, int64_t *max, int *empty)
{
	sqlite3_stmt *st = db_stmt(db, "update.max_commit_id",
	    "SELECT max(id) FROM commits");

	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		return db_err(db, "reading commits");
	*empty = sqlite3_column_type(st, 0) == SQLITE_NULL;
	*max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

/*
 * Begin the import's transaction, with the walk's first id after
 * *max_id and *empty set. A first import inserts edges before their
 * parents' rows: that needs the foreign keys off, which only works outside
 * a transaction. Another process may import first: then the walk simply
 * does not use the pipeline. 0, or -1 with err_set and no transaction.
 */
static int
begin_import(struct db *db, struct walk *w, int64_t *max_id, int *empty)
{
	if (max_commit_id(db, max_id, empty) < 0)
		return -1;
	if (*empty) {
		if (db_exec(db, "PRAGMA foreign_keys = OFF") < 0)
			return -1;
		w->fk_off = 1;
	}
	if (db_begin(db) < 0)
		return -1;
	if (max_commit_id(db, max_id, empty) < 0) {
		db_rollback(db);
		return -1;
	}
	w->first_import = *empty;
	return 0;
}

/*
 * Fix the reachability levels after the walk (all of them if full, else
 * only what new commits and moved refs raise) and queue the commits that
 * became candidates. The number queued, or -1 with err_set.
 */
static int64_t
reach_and_queue(struct db *db, const struct walk *w, const struct repo_ref *rr,
    size_t nrr, int64_t max_id, int empty, int full)
{
	size_t i;

	if (temp_tables(db) < 0)
		return -1;
	/* New commits a tracked ref reaches got level 2 as they were read:
	 * they are queue candidates whichever way the levels are fixed. */
	if (!empty && new_level2(db, max_id) < 0)
		return -1;
	if (full)
		return recompute_and_queue(db, UPDATE_QUEUE_ALL);
	/* Only additions and fast-forwards. New commits got their level as
	 * they were read; what is left is raising old commits that new
	 * level-2 commits or moved tips reach. */
	if (empty && db_exec(db, "INSERT INTO temp.newly (id) SELECT "
	    "commit_id FROM refs WHERE tracked") < 0)
		return -1;
	for (i = 0; i < w->nboundary; i++)
		if (raise_from(db, w->boundary[i], w->boundary_level[i]) < 0)
			return -1;
	/* A ref that did not move reaches nothing new. */
	for (i = 0; i < nrr; i++)
		if (rr[i].changed && rr[i].id <= max_id &&
		    raise_from(db, rr[i].id, rr[i].tracked ? 2 : 1) < 0)
			return -1;
	if (mainline_update(db, 0) < 0)
		return -1;
	return queue_newly(db, UPDATE_QUEUE_ALL);
}

static void
walk_fini(struct walk *w)
{
	oidmap_free(&w->map);
	free(w->todo);
	free(w->todo_id);
	free(w->edges);
	free(w->boundary);
	free(w->boundary_level);
	git_odb_free(w->odb);
}

/* Long: the update's phases in order inside one transaction, each timed by
 * phase(). */
int
update_repo(struct db *db, const struct config *cfg, int flags,
    struct update_stats *stats)
{
	struct update_stats dummy = {0};
	struct update_stats *st = stats ? stats : &dummy;
	git_repository *repo = NULL;
	struct repo_ref *rr = NULL;
	struct db_ref *dr = NULL;
	size_t nrr = 0, ndr = 0, i;
	struct walk w;
	int64_t max_id = 0, q;
	int empty = 0, full = 0, rc = -1, in_tx = 0, same;
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_once(&git_once, git_setup);
	memset(st, 0, sizeof(*st));
	memset(&w, 0, sizeof(w));
	if (open_repo(&repo, cfg, flags & UPDATE_FETCH) < 0)
		goto out;
	/* Nothing new (every ref where the db has it) is the common case:
	 * one read of each side's refs, nothing written. */
	if (load_db_refs(db, &dr, &ndr) < 0 ||
	    list_refs(repo, dr, ndr, &rr, &nrr, &st->refs_skipped, &same) < 0)
		goto out;
	if (same && ndr > 0) {
		phase(&t0, "refs (none changed)");
		rc = 0;
		goto out;
	}
	if (git_repository_odb(&w.odb, repo) < 0) {
		git_err(cfg->repo_path);
		goto out;
	}
	w.db = db;
	w.shallow = git_repository_is_shallow(repo) == 1;
	w.progress = (flags & UPDATE_PROGRESS) != 0;
	w.tty = isatty(STDERR_FILENO);
	if (begin_import(db, &w, &max_id, &empty) < 0)
		goto out;
	in_tx = 1;
	st->first_import = empty;
	w.next_id = max_id + 1;
	w.max_old = max_id;
	/* The refs again, in the transaction: another process may have
	 * changed them since. */
	db_refs_free(dr, ndr);
	if (load_db_refs(db, &dr, &ndr) < 0)
		goto out;
	mark_tracked(repo, rr, nrr, dr, ndr, empty);
	/* A first import builds the indexes once at the end: much faster
	 * than keeping them up to date row by row. */
	if (empty && db_bulk_indexes(db, 0) < 0)
		goto out;
	phase(&t0, "listing refs");
	if (walk_import(&w, rr, nrr) < 0)
		goto out;
	phase(&t0, "importing commits");
	if (empty && db_bulk_indexes(db, 1) < 0)
		goto out;
	phase(&t0, "indexing");
	st->new_commits = w.next_id - (max_id + 1);
	if (st->new_commits > 0 && dirty_new(db, max_id) < 0)
		goto out;
	if (sync_refs(db, repo, rr, nrr, dr, ndr, &full, st) < 0)
		goto out;
	phase(&t0, "dirty rows and refs");
	if ((q = reach_and_queue(db, &w, rr, nrr, max_id, empty, full)) < 0)
		goto out;
	st->queued = q;
	phase(&t0, "reachability and queue");
	if (db_commit(db) < 0) {
		in_tx = 0;
		goto out;
	}
	in_tx = 0;
	phase(&t0, "commit");
	rc = 0;
out:
	if (in_tx)
		db_rollback(db);
	if (w.fk_off && db_exec(db, "PRAGMA foreign_keys = ON") < 0)
		log_warn("cannot turn foreign keys back on: %s", err_get());
	for (i = 0; i < nrr; i++)
		free(rr[i].name);
	free(rr);
	db_refs_free(dr, ndr);
	walk_fini(&w);
	git_repository_free(repo);
	return rc;
}
