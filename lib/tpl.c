/* tpl: a small mustache subset over cJSON models that escapes by default. */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "esc.h"
#include "fsx.h"
#include "tpl.h"

#define MAX_DEPTH 32		/* nested sections and partials */
#define MAX_TEMPLATE (1 << 20)

enum node_type { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL };

struct node {
	enum node_type type;
	char *s;		/* the text, or the name */
	size_t len;		/* of s */
	size_t end;		/* sections: index of the first node after */
	int line;
};

struct tpl {
	char *name;
	char *file;
	uint64_t hash;		/* of its text */
	struct node *nodes;
	size_t n;
};

struct tpl_set {
	struct tpl *t;
	size_t n;
};

struct tpl_set *
tpl_new(void)
{
	return xcalloc(1, sizeof(struct tpl_set));
}

static void
tpl_clear(struct tpl *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->nodes[i].s);
	free(t->nodes);
	free(t->name);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

void
tpl_free(struct tpl_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		tpl_clear(&set->t[i]);
	free(set->t);
	free(set);
}

static const struct tpl *
find(const struct tpl_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->t[i].name, name) == 0)
			return &set->t[i];
	return NULL;
}

int
tpl_has(const struct tpl_set *set, const char *name)
{
	return find(set, name) != NULL;
}

static void
push(struct tpl *t, enum node_type type, const char *s, size_t len, int line)
{
	struct node *nd;

	t->nodes = xrealloc(t->nodes, (t->n + 1) * sizeof(*t->nodes));
	nd = &t->nodes[t->n++];
	nd->type = type;
	nd->s = xstrndup(s, len);
	nd->len = len;
	nd->end = 0;
	nd->line = line;
}

static int
count_lines(const char *from, const char *to)
{
	int n = 0;

	for (; from < to; from++)
		if (*from == '\n')
			n++;
	return n;
}

static int
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return 0;
	return 1;
}

/* Long: one scanner loop over the tags; split, its block stack and position
 * would be passed around. */
static int
parse(struct tpl *t, const char *text, size_t n)
{
	const char *p = text, *end = text + n, *open, *close, *a, *b;
	size_t stack[MAX_DEPTH];
	int depth = 0, line = 1, raw;
	char sigil;

	while (p < end) {
		open = memmem(p, (size_t)(end - p), "{{", 2);
		if (open == NULL)
			open = end;
		if (open > p)
			push(t, N_TEXT, p, (size_t)(open - p), line);
		line += count_lines(p, open);
		if (open == end)
			break;
		raw = open + 2 < end && open[2] == '{';
		a = open + (raw ? 3 : 2);
		close = memmem(a, (size_t)(end - a), raw ? "}}}" : "}}",
		    raw ? 3 : 2);
		if (close == NULL) {
			err_set("%s:%d: unterminated tag", t->file, line);
			return -1;
		}
		p = close + (raw ? 3 : 2);
		sigil = raw ? '{' : (char)*a;
		if (!raw && strchr("#^/>!&", sigil) != NULL)
			a++;
		while (a < close && (*a == ' ' || *a == '\t'))
			a++;
		b = close;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (sigil == '!') {
			line += count_lines(open, p);
			continue;
		}
		if (!valid_name(a, (size_t)(b - a))) {
			err_set("%s:%d: bad tag name \"%.*s\"", t->file, line,
			    (int)(close - open + 2 > 60 ? 60 :
			    close - open + 2), open);
			return -1;
		}
		if (sigil == '&' || (sigil == '{' && ((size_t)(b - a) < 5 ||
		    memcmp(b - 5, "_html", 5) != 0))) {
			err_set("%s:%d: raw output of \"%.*s\": only names "
			    "ending in _html may be written unescaped",
			    t->file, line, (int)(b - a), a);
			return -1;
		}
		switch (sigil) {
		case '{':
			push(t, N_RAW, a, (size_t)(b - a), line);
			break;
		case '#':
		case '^':
			if (depth == MAX_DEPTH) {
				err_set("%s:%d: sections nested deeper than "
				    "%d", t->file, line, MAX_DEPTH);
				return -1;
			}
			stack[depth++] = t->n;
			push(t, sigil == '#' ? N_SECTION : N_INVERTED, a,
			    (size_t)(b - a), line);
			break;
		case '/':
			if (depth == 0) {
				err_set("%s:%d: {{/%.*s}} closes nothing",
				    t->file, line, (int)(b - a), a);
				return -1;
			}
			depth--;
			if (t->nodes[stack[depth]].len != (size_t)(b - a) ||
			    memcmp(t->nodes[stack[depth]].s, a,
			    (size_t)(b - a)) != 0) {
				err_set("%s:%d: {{/%.*s}} closes {{#%s}} of "
				    "line %d", t->file, line, (int)(b - a), a,
				    t->nodes[stack[depth]].s,
				    t->nodes[stack[depth]].line);
				return -1;
			}
			t->nodes[stack[depth]].end = t->n;
			break;
		case '>':
			push(t, N_PARTIAL, a, (size_t)(b - a), line);
			break;
		default:
			push(t, N_VAR, a, (size_t)(b - a), line);
			break;
		}
		line += count_lines(open, p);
	}
	if (depth > 0) {
		err_set("%s:%d: {{#%s}} is never closed", t->file,
		    t->nodes[stack[depth - 1]].line,
		    t->nodes[stack[depth - 1]].s);
		return -1;
	}
	return 0;
}

int
tpl_add(struct tpl_set *set, const char *name, const char *file,
    const char *text, size_t n)
{
	struct tpl t;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.name = xstrdup(name);
	t.file = xstrdup(file ? file : name);
	t.hash = esc_hash(text, n);
	if (parse(&t, text, n) < 0) {
		tpl_clear(&t);
		return -1;
	}
	for (i = 0; i < set->n; i++) {
		if (strcmp(set->t[i].name, name) == 0) {
			tpl_clear(&set->t[i]);
			set->t[i] = t;
			return 0;
		}
	}
	set->t = xrealloc(set->t, (set->n + 1) * sizeof(*set->t));
	set->t[set->n++] = t;
	return 0;
}

static int
by_tpl_name(const void *a, const void *b)
{
	return strcmp((*(const struct tpl *const *)a)->name,
	    (*(const struct tpl *const *)b)->name);
}

uint64_t
tpl_hash(const struct tpl_set *set)
{
	const struct tpl **v = xmalloc((set->n + 1) * sizeof(*v));
	uint64_t h = esc_hash("", 0), part[2];
	size_t i;

	for (i = 0; i < set->n; i++)
		v[i] = &set->t[i];
	qsort(v, set->n, sizeof(*v), by_tpl_name);
	for (i = 0; i < set->n; i++) {
		part[0] = h;
		part[1] = esc_hash(v[i]->name, strlen(v[i]->name) + 1) ^
		    v[i]->hash;
		h = esc_hash((const char *)part, sizeof(part));
	}
	free(v);
	return h;
}

int
tpl_check(const struct tpl_set *set)
{
	size_t i, j;

	for (i = 0; i < set->n; i++) {
		for (j = 0; j < set->t[i].n; j++) {
			const struct node *nd = &set->t[i].nodes[j];

			if (nd->type == N_PARTIAL && !find(set, nd->s)) {
				err_set("%s:%d: no template \"%s\" for "
				    "{{>%s}}", set->t[i].file, nd->line,
				    nd->s, nd->s);
				return -1;
			}
		}
	}
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
tpl_load_dir(struct tpl_set *set, const char *dir)
{
	struct dirent *de;
	DIR *d;
	char **names = NULL, *path, *text, *name;
	size_t n = 0, i, len, tlen;
	int rc = -1;

	d = opendir(dir);
	if (d == NULL) {
		err_set("%s: cannot read the template directory: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 ||
		    (strcmp(de->d_name + len - 5, ".html") != 0 &&
		    strcmp(de->d_name + len - 4, ".xml") != 0))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		text = fsx_read(path, MAX_TEMPLATE, &tlen);
		if (text == NULL) {
			free(path);
			goto out;
		}
		name = xstrndup(names[i], strcspn(names[i], "."));
		rc = tpl_add(set, name, path, text, tlen);
		free(name);
		free(text);
		free(path);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (n == 0) {
		err_set("%s: no templates (*.html) in the directory", dir);
		goto out;
	}
	rc = tpl_check(set);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct ctx {
	const cJSON *stack[MAX_DEPTH * 2 + 1];
	int n;
	int depth;		/* partials */
};

static const cJSON *
lookup(const struct ctx *c, const char *name)
{
	const cJSON *v = NULL;
	const char *dot, *p;
	char part[128];
	size_t len;
	int i;

	if (strcmp(name, ".") == 0)
		return c->stack[c->n - 1];
	dot = strchr(name, '.');
	len = dot ? (size_t)(dot - name) : strlen(name);
	if (len >= sizeof(part))
		return NULL;
	memcpy(part, name, len);
	part[len] = '\0';
	for (i = c->n - 1; i >= 0 && v == NULL; i--)
		if (cJSON_IsObject(c->stack[i]))
			v = cJSON_GetObjectItemCaseSensitive(c->stack[i],
			    part);
	for (p = dot; v != NULL && p != NULL; p = dot) {
		p++;
		dot = strchr(p, '.');
		len = dot ? (size_t)(dot - p) : strlen(p);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, p, len);
		part[len] = '\0';
		v = cJSON_IsObject(v) ?
		    cJSON_GetObjectItemCaseSensitive(v, part) : NULL;
	}
	return v;
}

static int
truthy(const cJSON *v)
{
	if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return 0;
	if (cJSON_IsArray(v))
		return cJSON_GetArraySize(v) > 0;
	if (cJSON_IsString(v))
		return v->valuestring[0] != '\0';
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	return 1;
}

static int
put_value(struct buf *out, const cJSON *v, int raw)
{
	char num[64];
	double d;

	if (cJSON_IsString(v)) {
		if (raw)
			return buf_adds(out, v->valuestring);
		return esc_html(out, v->valuestring, strlen(v->valuestring));
	}
	if (cJSON_IsNumber(v)) {
		d = v->valuedouble;
		if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
			snprintf(num, sizeof(num), "%.0f", d);
		else
			snprintf(num, sizeof(num), "%.15g", d);
		return buf_adds(out, num);
	}
	if (cJSON_IsTrue(v))
		return buf_adds(out, "true");
	return 0;
}

static int run(const struct tpl_set *, const struct tpl *, size_t, size_t,
    struct ctx *, struct buf *);

static int
run_section(const struct tpl_set *set, const struct tpl *t, size_t i,
    struct ctx *c, struct buf *out)
{
	const struct node *nd = &t->nodes[i];
	const cJSON *v = lookup(c, nd->s), *e;
	int rc = 0;

	if (nd->type == N_INVERTED)
		return truthy(v) ? 0 : run(set, t, i + 1, nd->end, c, out);
	if (!truthy(v))
		return 0;
	if (c->n == (int)(sizeof(c->stack) / sizeof(c->stack[0]))) {
		err_set("%s:%d: sections nested too deep", t->file, nd->line);
		return -1;
	}
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			c->stack[c->n++] = e;
			rc = run(set, t, i + 1, nd->end, c, out);
			c->n--;
			if (rc < 0)
				break;
		}
		return rc;
	}
	c->stack[c->n++] = v;
	rc = run(set, t, i + 1, nd->end, c, out);
	c->n--;
	return rc;
}

static int
run(const struct tpl_set *set, const struct tpl *t, size_t from, size_t to,
    struct ctx *c, struct buf *out)
{
	const struct tpl *p;
	const struct node *nd;
	const cJSON *v;
	size_t i;
	int rc;

	for (i = from; i < to; i++) {
		nd = &t->nodes[i];
		switch (nd->type) {
		case N_TEXT:
			if (buf_add(out, nd->s, nd->len) < 0)
				return -1;
			break;
		case N_VAR:
		case N_RAW:
			v = lookup(c, nd->s);
			if (v != NULL &&
			    put_value(out, v, nd->type == N_RAW) < 0)
				return -1;
			break;
		case N_SECTION:
		case N_INVERTED:
			if (run_section(set, t, i, c, out) < 0)
				return -1;
			i = nd->end - 1;
			break;
		case N_PARTIAL:
			p = find(set, nd->s);
			if (p == NULL) {
				err_set("%s:%d: no template \"%s\"", t->file,
				    nd->line, nd->s);
				return -1;
			}
			if (c->depth >= MAX_DEPTH) {
				err_set("%s:%d: partials nested deeper than "
				    "%d", t->file, nd->line, MAX_DEPTH);
				return -1;
			}
			c->depth++;
			rc = run(set, p, 0, p->n, c, out);
			c->depth--;
			if (rc < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int
tpl_render(const struct tpl_set *set, const char *name, const cJSON *model,
    struct buf *out)
{
	const struct tpl *t = find(set, name);
	struct ctx c;

	if (t == NULL) {
		err_set("no template \"%s\" in the theme", name);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	c.stack[c.n++] = model;
	return run(set, t, 0, t->n, &c, out);
}
