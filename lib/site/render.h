/* render: turn the db into the static site in out/ (docs/architecture.md). */
#ifndef TJ_RENDER_H
#define TJ_RENDER_H

struct db;
struct config;

/*
 * Render the site into cfg->site_out with the theme cfg->site_theme (NULL:
 * ../theme next to the executable for build trees, else TJ_DATADIR/theme).
 * Drains the dirty table and rewrites the pages those rows name (all != 0:
 * every page). One renderer at a time: flock() on out/.lock, waited for.
 * Every file is written to a temp file in its directory and renamed into
 * place; a file whose bytes did not change is left alone. Reads the db in
 * one read transaction, so the pages of one call agree with each other.
 * Thread-safe with one struct db per thread. Sets mmap_size (256 MB) and
 * cache_size (32 MB) on db. 0, or -1 with err_set (the dirty rows stay
 * claimed and are rendered by the next call).
 */
int render_site(struct db *db, const struct config *cfg, int all);

/*
 * The site's counters of the last render_site() call in this thread:
 * files written and files found unchanged.
 */
void render_stats(long *written, long *unchanged);

#endif
