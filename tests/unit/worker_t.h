/* worker_t.h: helpers for the tj-worker unit tests (after worker/output.c). */
#ifndef TJ_WORKER_T_H
#define TJ_WORKER_T_H

/* Every kept output line as "SOURCE:TEXT\n" (caller frees). */
static char *
output_text(struct output *o)
{
	cJSON *a = output_json(o), *l;
	struct buf b;

	buf_init(&b, 0);
	cJSON_ArrayForEach(l, a) {
		buf_must(buf_addf(&b, "%d:%s\n",
		    cJSON_GetArrayItem(l, 0)->valueint,
		    cJSON_GetArrayItem(l, 1)->valuestring));
	}
	cJSON_Delete(a);
	return buf_take(&b);
}

#endif
