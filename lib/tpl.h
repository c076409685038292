/* tpl: a small mustache subset over cJSON models that escapes by default. */
#ifndef TJ_TPL_H
#define TJ_TPL_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct cJSON;
struct tpl_set;

/*
 * The language: {{name}} is the value, HTML-escaped; {{{name_html}}} is the
 * value as it is, allowed only for names ending in "_html" (a template that
 * asks raw output of any other name does not parse); {{#name}}...{{/name}}
 * renders once per element of an array, once with an object or any other
 * true value (pushed as the context), never for a missing, null, false,
 * 0, "" or empty array value; {{^name}}...{{/name}} renders exactly when
 * {{#name}} would not; {{>name}} includes the template "name"; {{! text}} is
 * a comment. Names are looked up from the innermost context outwards; "."
 * is the context itself and "a.b" descends into objects. Numbers print as
 * integers when they are integral, else with up to 15 significant digits.
 */

/* A new, empty set of templates. Free with tpl_free. */
struct tpl_set *tpl_new(void);

/* Free a set and every template in it. Accepts NULL. */
void tpl_free(struct tpl_set *set);

/*
 * Parse text[0..n) as the template name (replacing one of the same name).
 * file names the source in errors. 0, or -1 with err_set "file:line: why".
 */
int tpl_add(struct tpl_set *set, const char *name, const char *file,
    const char *text, size_t n);

/*
 * Parse every "*.html" and "*.xml" file in dir as the template named by the
 * file name up to its first ".", then check that every {{>partial}} exists.
 * 0, or -1 with err_set "file:line: why".
 */
int tpl_load_dir(struct tpl_set *set, const char *dir);

/* Check that every partial that a template includes exists in the set.
 * 0, or -1 with err_set "file:line: why". */
int tpl_check(const struct tpl_set *set);

/* A hash of every template's name and text (not of the order they were
 * added in): the same set of sources, the same hash. */
uint64_t tpl_hash(const struct tpl_set *set);

/* 1 if the set has a template called name. */
int tpl_has(const struct tpl_set *set, const char *name);

/*
 * Render the template name with model as the outermost context, appending
 * to out. The set is only read, so threads may share it. 0, or -1 with
 * err_set (unknown template, partials nested too deep, out's cap).
 */
int tpl_render(const struct tpl_set *set, const char *name,
    const struct cJSON *model, struct buf *out);

#endif
