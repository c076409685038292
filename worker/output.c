/* output: a run's output lines with caps that keep the head and the tail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "worker.h"

const struct output_caps output_default_caps = {
	.line = 4096,
	.head_lines = 2000,
	.head_bytes = (size_t)512 * 1024,
	.tail_lines = 2000,
	.tail_bytes = (size_t)512 * 1024,
};

void
output_init(struct output *o, const struct output_caps *caps)
{
	int i;

	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->caps = caps ? *caps : output_default_caps;
	if (o->caps.tail_lines == 0)
		o->caps.tail_lines = 1;
	o->head = xcalloc(o->caps.head_lines + 1, sizeof(*o->head));
	o->tail = xcalloc(o->caps.tail_lines, sizeof(*o->tail));
	for (i = 0; i < 3; i++)
		buf_init(&o->partial[i], o->caps.line);
}

static void
clear(struct output *o)
{
	size_t i;
	int s;

	for (i = 0; i < o->n_head; i++)
		free(o->head[i].text);
	for (i = 0; i < o->n_tail; i++)
		free(o->tail[(o->tail_first + i) % o->caps.tail_lines].text);
	o->n_head = o->head_bytes = 0;
	o->tail_first = o->n_tail = o->tail_bytes = 0;
	o->omitted = o->total = 0;
	for (s = 0; s < 3; s++) {
		buf_reset(&o->partial[s]);
		o->cut[s] = 0;
	}
}

void
output_fini(struct output *o)
{
	int i;

	if (o->head == NULL)
		return;
	clear(o);
	free(o->head);
	free(o->tail);
	for (i = 0; i < 3; i++)
		buf_fini(&o->partial[i]);
	pthread_mutex_destroy(&o->lock);
	memset(o, 0, sizeof(*o));
}

void
output_reset(struct output *o)
{
	pthread_mutex_lock(&o->lock);
	clear(o);
	pthread_mutex_unlock(&o->lock);
}

/* Drop the oldest line of the tail ring. */
static void
tail_pop(struct output *o)
{
	struct output_line *l = &o->tail[o->tail_first];

	o->tail_bytes -= l->len;
	free(l->text);
	l->text = NULL;
	o->tail_first = (o->tail_first + 1) % o->caps.tail_lines;
	o->n_tail--;
	o->omitted++;
}

/* Keep a finished line (text is owned from now on); lock held. */
static void
keep(struct output *o, int source, char *text, size_t len)
{
	struct output_line *l;

	o->total++;
	if (o->omitted == 0 && o->n_tail == 0 &&
	    o->n_head < o->caps.head_lines &&
	    o->head_bytes + len <= o->caps.head_bytes) {
		l = &o->head[o->n_head++];
		o->head_bytes += len;
	} else {
		while (o->n_tail > 0 && (o->n_tail == o->caps.tail_lines ||
		    o->tail_bytes + len > o->caps.tail_bytes))
			tail_pop(o);
		if (len > o->caps.tail_bytes) {
			free(text);
			o->omitted++;
			return;
		}
		l = &o->tail[(o->tail_first + o->n_tail++) %
		    o->caps.tail_lines];
		o->tail_bytes += len;
	}
	l->source = source;
	l->text = text;
	l->len = len;
}

/* Repair, cut to the line cap and keep one line; lock held. */
static void
add_locked(struct output *o, int source, const char *text, size_t len,
    uint64_t cut)
{
	char *s, *t;
	size_t n, end;

	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len > o->caps.line) {
		cut += len - o->caps.line;
		len = o->caps.line;
	}
	s = utf8_repair(text, len, &n);
	if (cut > 0) {
		/* Repair may grow the text; cut at a character boundary. */
		end = n < o->caps.line ? n : o->caps.line;
		while (end > 0 && ((unsigned char)s[end] & 0xc0) == 0x80)
			end--;
		s[end] = '\0';
		t = xasprintf("%s [... %llu bytes cut]", s,
		    (unsigned long long)cut);
		free(s);
		s = t;
		n = strlen(s);
	}
	keep(o, source, s, n);
}

void
output_add(struct output *o, int source, const char *text, size_t len)
{
	pthread_mutex_lock(&o->lock);
	add_locked(o, source, text, len, 0);
	pthread_mutex_unlock(&o->lock);
}

void
output_addf(struct output *o, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	output_add(o, PROTO_INTERNAL, s, (size_t)n);
	free(s);
}

/* Append to the unfinished line of source, counting what the cap cuts. */
static void
partial_add(struct output *o, int s, const char *p, size_t n)
{
	struct buf *b = &o->partial[s];
	size_t room = o->caps.line - b->len;

	if (n > room) {
		o->cut[s] += n - room;
		n = room;
	}
	if (n > 0)
		buf_must(buf_add(b, p, n));	/* within the room left */
}

void
output_feed(struct output *o, int source, const char *data, size_t len)
{
	const char *nl;
	struct buf *b;
	size_t n;

	if (source < 1 || source > 2)
		source = PROTO_INTERNAL;
	b = &o->partial[source];
	pthread_mutex_lock(&o->lock);
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if (nl == NULL) {
			partial_add(o, source, data, n);
			break;
		}
		if (b->len == 0 && o->cut[source] == 0) {
			add_locked(o, source, data, n, 0);
		} else {
			partial_add(o, source, data, n);
			add_locked(o, source, b->data, b->len, o->cut[source]);
			buf_reset(b);
			o->cut[source] = 0;
		}
		data += n + 1;
		len -= n + 1;
	}
	pthread_mutex_unlock(&o->lock);
}

void
output_flush(struct output *o)
{
	int s;

	pthread_mutex_lock(&o->lock);
	for (s = 0; s < 3; s++) {
		if (o->partial[s].len > 0 || o->cut[s] > 0)
			add_locked(o, s, o->partial[s].data ? o->partial[s].data :
			    "", o->partial[s].len, o->cut[s]);
		buf_reset(&o->partial[s]);
		o->cut[s] = 0;
	}
	pthread_mutex_unlock(&o->lock);
}

static void
push(cJSON *arr, int source, const char *text)
{
	cJSON *pair = cJSON_CreateArray();

	cJSON_AddItemToArray(pair, cJSON_CreateNumber(source));
	cJSON_AddItemToArray(pair, cJSON_CreateString(text));
	cJSON_AddItemToArray(arr, pair);
}

cJSON *
output_json(struct output *o)
{
	cJSON *arr = cJSON_CreateArray();
	struct output_line *l;
	char note[96];
	size_t i;

	pthread_mutex_lock(&o->lock);
	for (i = 0; i < o->n_head; i++)
		push(arr, o->head[i].source, o->head[i].text);
	if (o->omitted > 0) {
		snprintf(note, sizeof(note), "[... %llu lines omitted ...]",
		    (unsigned long long)o->omitted);
		push(arr, PROTO_INTERNAL, note);
	}
	for (i = 0; i < o->n_tail; i++) {
		l = &o->tail[(o->tail_first + i) % o->caps.tail_lines];
		push(arr, l->source, l->text);
	}
	pthread_mutex_unlock(&o->lock);
	return arr;
}

cJSON *
output_recent(struct output *o, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	struct output_line *l;
	size_t from_tail, from_head, i;

	pthread_mutex_lock(&o->lock);
	from_tail = n < o->n_tail ? n : o->n_tail;
	from_head = n - from_tail;
	if (o->omitted > 0 || from_head > o->n_head)
		from_head = o->omitted > 0 ? 0 : o->n_head;
	for (i = o->n_head - from_head; i < o->n_head; i++)
		push(arr, o->head[i].source, o->head[i].text);
	for (i = o->n_tail - from_tail; i < o->n_tail; i++) {
		l = &o->tail[(o->tail_first + i) % o->caps.tail_lines];
		push(arr, l->source, l->text);
	}
	pthread_mutex_unlock(&o->lock);
	return arr;
}
