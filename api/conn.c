/*
 * conn: connections counted per client address, so one address cannot
 * take every connection tj-api accepts ([api] max-connections-per-ip).
 *
 * libmicrohttpd's own per-IP limit is kept per thread of its pool, so a
 * client gets the limit once per thread; this one is shared. A connection
 * is counted from MHD's "started" notification to its "closed" one (always
 * paired); the accept policy refuses an address already at the limit (a
 * few more may slip in when threads accept from one address at the same
 * instant: at most one per thread).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "api.h"
#include "buf.h"
#include "log.h"

#define CONN_BUCKETS 1024

struct conn_addr {
	struct conn_addr *next;
	unsigned char key[17];	/* family, then the address */
	unsigned n;
};

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn_addr *conn_tab[CONN_BUCKETS];

/* The address as a key: 0 if it is neither IPv4 nor IPv6. */
static int
conn_key(const struct sockaddr *sa, unsigned char key[17])
{
	memset(key, 0, 17);
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;

		key[0] = 4;
		memcpy(key + 1, &a->sin_addr, 4);
		return 1;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;

		key[0] = 6;
		memcpy(key + 1, &a->sin6_addr, 16);
		return 1;
	}
	return 0;
}

static unsigned
conn_hash(const unsigned char key[17])
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % CONN_BUCKETS;
}

/* The entry of key (made with n = 0 when make is set), or NULL. Call with
 * conn_mu held. */
static struct conn_addr **
conn_find(const unsigned char key[17], int make)
{
	struct conn_addr **p = &conn_tab[conn_hash(key)];

	for (; *p != NULL; p = &(*p)->next)
		if (memcmp((*p)->key, key, 17) == 0)
			return p;
	if (!make)
		return NULL;
	*p = xcalloc(1, sizeof(**p));
	memcpy((*p)->key, key, 17);
	return p;
}

/* Count a refusal; say so at most every 10 s. */
static void
refused(struct api *api, const struct sockaddr *addr)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static time_t last;
	char host[INET6_ADDRSTRLEN] = "?";
	time_t now = time(NULL);
	int say;

	api->refused++;
	pthread_mutex_lock(&mu);
	say = now - last >= 10;
	if (say)
		last = now;
	pthread_mutex_unlock(&mu);
	if (!say)
		return;
	if (addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr,
		    host, sizeof(host));
	else
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)addr)->sin6_addr, host,
		    sizeof(host));
	log_warn("%s has %lld connections open: more refused "
	    "([api] max-connections-per-ip; %lu refused so far)", host,
	    (long long)api->cfg.api_max_connections_per_ip,
	    (unsigned long)api->refused);
}

enum MHD_Result
conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api *api = cls;
	unsigned char key[17];
	struct conn_addr **p;
	unsigned limit = (unsigned)api->cfg.api_max_connections_per_ip;
	int ok = 1;

	(void)addrlen;
	if (limit == 0 || !conn_key(addr, key))
		return MHD_YES;
	pthread_mutex_lock(&conn_mu);
	p = conn_find(key, 0);
	if (p != NULL && (*p)->n >= limit)
		ok = 0;
	pthread_mutex_unlock(&conn_mu);
	if (!ok)
		refused(api, addr);
	return ok ? MHD_YES : MHD_NO;
}

void
conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *info;
	unsigned char key[17];
	struct conn_addr **p, *dead;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = NULL;
		info = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (info == NULL || !conn_key(info->client_addr, key))
			return;
		pthread_mutex_lock(&conn_mu);
		p = conn_find(key, 1);
		(*p)->n++;
		/* Remembered: the closed notification finds it again. */
		*socket_context = *p;
		pthread_mutex_unlock(&conn_mu);
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || *socket_context == NULL)
		return;
	pthread_mutex_lock(&conn_mu);
	memcpy(key, ((struct conn_addr *)*socket_context)->key, 17);
	p = conn_find(key, 0);
	if (p != NULL && --(*p)->n == 0) {
		dead = *p;
		*p = dead->next;
		free(dead);
	}
	pthread_mutex_unlock(&conn_mu);
	*socket_context = NULL;
}

void
conn_fini(void)
{
	struct conn_addr *a, *next;
	size_t i;

	pthread_mutex_lock(&conn_mu);
	for (i = 0; i < CONN_BUCKETS; i++) {
		for (a = conn_tab[i]; a != NULL; a = next) {
			next = a->next;
			free(a);
		}
		conn_tab[i] = NULL;
	}
	pthread_mutex_unlock(&conn_mu);
}
