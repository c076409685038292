/* proto: small helpers for the worker protocol's JSON (docs/protocol.md). */
#ifndef TJ_PROTO_H
#define TJ_PROTO_H

#include <stddef.h>

/* Longest worker name or run id, and the size of a buffer for one. */
#define PROTO_ID_MAX 64

/* Room for any time proto_time_format writes, NUL included. */
#define PROTO_TIME_LEN 32

/* Output line sources: [source, text] on the wire. */
enum proto_source { PROTO_INTERNAL = 0, PROTO_STDOUT = 1, PROTO_STDERR = 2 };

/* 1 if s is a valid worker name or run id: [A-Za-z0-9._-]{1,64}. */
int proto_valid_id(const char *s);

/* 1 if s is exactly 40 lowercase hex digits. */
int proto_valid_hash(const char *s);

/*
 * Parse an RFC 3339 time ("2026-11-28T07:44:13Z", with optional fraction
 * and 'Z' or a +hh:mm/-hh:mm offset) into unix seconds. 0, or -1 with
 * err_set.
 */
int proto_time_parse(const char *s, double *t);

/*
 * Write unix seconds t as RFC 3339 UTC into out (PROTO_TIME_LEN bytes):
 * whole seconds as "...:13Z", else milliseconds "...:13.250Z".
 */
void proto_time_format(double t, char *out);

/*
 * Metric direction: "lower" -> -1, "higher" -> 1 (0 and 1 returned through
 * *dir), else -1 with err_set. proto_direction_name(-1) is "lower",
 * (1) "higher", anything else NULL (absent on the wire).
 */
int proto_direction_parse(const char *s, int *dir);
const char *proto_direction_name(int dir);

#endif
