/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/tcp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "httpd.h"
#include "listen.h"
#include "ratelimit.h"
#include "util.h"

/* How often the deadlines are checked: well within a second. */
#define WATCH_INTERVAL_MS 250

/* Where a connection is, for its deadline. */
enum conn_phase {
	PHASE_RECEIVING,	/* a request is coming: the deadline runs */
	PHASE_ANSWERING,	/* the request is in; the answer goes out */
	PHASE_WAITING,		/* answered; no byte of the next one yet */
};

/* One connection (MHD's socket context), on the server's list. */
struct conn_track {
	struct conn_track *prev, *next;
	int fd;			/* MHD's: shut down, never closed here */
	enum conn_phase phase;
	uint64_t since_ms;	/* RECEIVING: when the request began */
	uint64_t bytes_mark;	/* WAITING: bytes received when answered */
	int cut;		/* the deadline has shut it down */
};

/* One request (MHD's con_cls). */
struct request {
	char *body;
	size_t len, cap;
	size_t reserved;	/* of the bodies budget */
	struct kr_httpd_refusal refusal;
	char why[200];		/* refusal.message */
};

struct kr_httpd {
	struct MHD_Daemon *mhd;
	struct kr_httpd_opts opts;
	_Atomic size_t bodies;		/* bytes reserved by all requests */
	pthread_mutex_t lock;		/* guards conns, stopping, tracks */
	pthread_cond_t wake;		/* stopping */
	struct conn_track *conns;
	int stopping;
	pthread_t watchdog;
};

void kr_httpd_client_name(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t len = sa && sa->sa_family == AF_INET6
				? sizeof(struct sockaddr_in6)
				: sizeof(struct sockaddr_in);

	if (!sa || getnameinfo(sa, len, out, (socklen_t)size, NULL, 0,
			       NI_NUMERICHOST))
		snprintf(out, size, "?");
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/*
 * Bytes the kernel has received on a TCP socket (tcpi_bytes_received,
 * Linux 4.1), so the watchdog sees the first byte of a request that MHD
 * has not parsed yet; 0 when unknown.
 */
static uint64_t bytes_received(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
			  sizeof(ti.tcpi_bytes_received))
		return 0;
	return ti.tcpi_bytes_received;
}

static void set_phase(struct kr_httpd *h, struct MHD_Connection *conn,
		      enum conn_phase phase)
{
	struct conn_track *t = track_of(conn);

	if (!t)
		return;
	pthread_mutex_lock(&h->lock);
	t->phase = phase;
	if (phase == PHASE_WAITING)
		t->bytes_mark = bytes_received(t->fd);
	pthread_mutex_unlock(&h->lock);
}

static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct kr_httpd *h = cls;
	struct conn_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		t = calloc(1, sizeof(*t));
		if (!t || !ci) {
			/* untracked: only the idle timeout applies */
			free(t);
			return;
		}
		t->fd = ci->connect_fd;
		t->phase = PHASE_RECEIVING;
		t->since_ms = kr_monotonic_ms();
		pthread_mutex_lock(&h->lock);
		t->next = h->conns;
		if (h->conns)
			h->conns->prev = t;
		h->conns = t;
		pthread_mutex_unlock(&h->lock);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* MHD closes the socket after this: the watchdog must be done */
	pthread_mutex_lock(&h->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->conns = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&h->lock);
	free(t);
	*socket_context = NULL;
}

/* Shut down the connections past their deadline; how many. */
static unsigned int cut_late(struct kr_httpd *h, uint64_t now)
{
	uint64_t limit = (uint64_t)h->opts.request_timeout_s * 1000;
	unsigned int cut = 0;
	struct conn_track *t;

	for (t = h->conns; t; t = t->next) {
		if (t->phase == PHASE_WAITING &&
		    bytes_received(t->fd) > t->bytes_mark) {
			/* it began at most one interval ago */
			t->phase = PHASE_RECEIVING;
			t->since_ms = now - WATCH_INTERVAL_MS;
		}
		if (t->phase != PHASE_RECEIVING || t->cut ||
		    now - t->since_ms < limit)
			continue;
		/* MHD sees the end of the stream and closes it */
		shutdown(t->fd, SHUT_RDWR);
		t->cut = 1;
		cut++;
	}
	return cut;
}

static void *watch(void *arg)
{
	struct kr_httpd *h = arg;
	struct timespec at;
	unsigned int cut;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_nsec += WATCH_INTERVAL_MS * 1000000L;
		if (at.tv_nsec >= 1000000000L) {
			at.tv_sec++;
			at.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->lock, &at);
		if (h->stopping)
			break;
		cut = cut_late(h, kr_monotonic_ms());
		if (!cut)
			continue;
		pthread_mutex_unlock(&h->lock);
		kr_log_rl(KR_LOG_WARNING,
			  "http %s: closed %u connections that sent no whole "
			  "request within request_timeout_s = %u", h->opts.name,
			  cut, h->opts.request_timeout_s);
		pthread_mutex_lock(&h->lock);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* Take 'n' bytes of the bodies budget for 'rq'; 0 when it has not. */
static int reserve(struct kr_httpd *h, struct request *rq, size_t n)
{
	size_t cur = atomic_load(&h->bodies);

	do {
		if (n > h->opts.max_body_total - cur)
			return 0;
	} while (!atomic_compare_exchange_weak(&h->bodies, &cur, cur + n));
	rq->reserved += n;
	return 1;
}

static void drop_body(struct kr_httpd *h, struct request *rq)
{
	free(rq->body);
	rq->body = NULL;
	rq->len = rq->cap = 0;
	atomic_fetch_sub(&h->bodies, rq->reserved);
	rq->reserved = 0;
}

static void refuse(struct kr_httpd *h, struct MHD_Connection *conn,
		   struct request *rq, unsigned int code, const char *error,
		   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void refuse(struct kr_httpd *h, struct MHD_Connection *conn,
		   struct request *rq, unsigned int code, const char *error,
		   const char *fmt, ...)
{
	char client[INET6_ADDRSTRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rq->why, sizeof(rq->why), fmt, ap);
	va_end(ap);
	rq->refusal.code = code;
	rq->refusal.error = error;
	rq->refusal.message = rq->why;
	drop_body(h, rq);
	kr_httpd_client_name(conn, client, sizeof(client));
	kr_log_rl(KR_LOG_WARNING, "http %s: %u for %s: %s", h->opts.name, code,
		  client, rq->why);
}

/* The bodies budget is spent: 503, for the client to come back. */
static void refuse_busy(struct kr_httpd *h, struct MHD_Connection *conn,
			struct request *rq)
{
	refuse(h, conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
	       "the request bodies in flight fill the server's %zu bytes; "
	       "try again", h->opts.max_body_total);
}

/* Header scan for admit. */
struct framing {
	unsigned int lengths;		/* Content-Length headers */
	const char *length;		/* the first one's value */
	int conflict;			/* another one differs */
	int chunked;			/* Transfer-Encoding present */
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct framing *f = cls;

	if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		f->chunked = 1;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		return MHD_YES;
	if (f->lengths++ == 0)
		f->length = value ? value : "";
	else if (strcmp(f->length, value ? value : ""))
		f->conflict = 1;
	return MHD_YES;
}

/*
 * The first call: refuse what is malformed or too big, reserve the body.
 * Returns whether the request was refused.
 */
static int admit(struct kr_httpd *h, struct MHD_Connection *conn,
		 struct request *rq)
{
	struct framing f = { 0 };
	uint64_t length = 0;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &f);
	/* two framings of one message are how requests are smuggled */
	if (f.conflict) {
		refuse(h, conn, rq, MHD_HTTP_BAD_REQUEST, "bad_request",
		       "conflicting Content-Length headers");
		return 1;
	}
	if (f.lengths && f.chunked) {
		refuse(h, conn, rq, MHD_HTTP_BAD_REQUEST, "bad_request",
		       "both Content-Length and Transfer-Encoding");
		return 1;
	}
	/* MHD itself refuses a Content-Length that is not a number */
	if (f.lengths && kr_parse_u64(f.length, UINT64_MAX, &length) < 0)
		length = 0;
	if (!f.chunked && !length)
		return 0;
	if (!h->opts.max_body) {
		refuse(h, conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "body_refused",
		       "this API takes no request body");
		return 1;
	}
	if (length > h->opts.max_body) {
		refuse(h, conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "body_refused",
		       "request body of %llu bytes, over the limit of %zu",
		       (unsigned long long)length, h->opts.max_body);
		return 1;
	}
	if (!length)
		return 0;	/* chunked: reserved as it comes */
	if (!reserve(h, rq, (size_t)length + 1)) {
		refuse_busy(h, conn, rq);
		return 1;
	}
	rq->body = malloc((size_t)length + 1);
	if (!rq->body) {
		refuse(h, conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
		       "out of memory");
		return 1;
	}
	rq->cap = (size_t)length + 1;
	return 0;
}

/* Add a piece of the body; refuses when it grows over a limit. */
static void take(struct kr_httpd *h, struct MHD_Connection *conn,
		 struct request *rq, const char *data, size_t size)
{
	size_t need = rq->len + size + 1, cap;
	char *grown;

	if (need - 1 > h->opts.max_body) {
		refuse(h, conn, rq, MHD_HTTP_CONTENT_TOO_LARGE, "body_refused",
		       "request body over the limit of %zu bytes",
		       h->opts.max_body);
		return;
	}
	if (need > rq->cap) {
		/* chunked: grow by doubling, within the limit */
		cap = rq->cap * 2 > need ? rq->cap * 2 : need;
		if (cap > h->opts.max_body + 1)
			cap = h->opts.max_body + 1;
		if (!reserve(h, rq, cap - rq->cap)) {
			refuse_busy(h, conn, rq);
			return;
		}
		grown = realloc(rq->body, cap);
		if (!grown) {
			refuse(h, conn, rq, MHD_HTTP_SERVICE_UNAVAILABLE,
			       "busy", "out of memory");
			return;
		}
		rq->body = grown;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, size);
	rq->len += size;
	rq->body[rq->len] = '\0';
}

static enum MHD_Result answer(struct kr_httpd *h, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      struct request *rq)
{
	struct kr_httpd_request r = {
		.conn = conn, .url = url, .method = method,
		.body = rq->refusal.code ? NULL : rq->body,
		.body_len = rq->refusal.code ? 0 : rq->len,
		.refusal = rq->refusal,
	};

	set_phase(h, conn, PHASE_ANSWERING);
	return h->opts.handler(h->opts.cls, &r);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn,
				 const char *url, const char *method,
				 const char *version, const char *data,
				 size_t *size, void **con_cls)
{
	struct kr_httpd *h = cls;
	struct request *rq = *con_cls;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		/* answered now, MHD closes the connection after the answer
		 * rather than read the body */
		if (admit(h, conn, rq))
			return answer(h, conn, url, method, rq);
		return MHD_YES;
	}
	if (*size) {
		if (!rq->refusal.code)
			take(h, conn, rq, data, *size);
		*size = 0;
		return MHD_YES;
	}
	return answer(h, conn, url, method, rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct kr_httpd *h = cls;
	struct request *rq = *con_cls;

	if (rq) {
		drop_body(h, rq);
		free(rq);
		*con_cls = NULL;
	}
	set_phase(h, conn, PHASE_WAITING);
}

/* libmicrohttpd's messages (MHD_OPTION_EXTERNAL_LOGGER). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct kr_httpd *h = cls;
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	/* one per refused connection or malformed request: limited */
	kr_log_rl(KR_LOG_WARNING, "http %s: %s", h->opts.name, line);
}

/*
 * Raise the soft RLIMIT_NOFILE to hold 'need' descriptors when it is
 * lower (up to the hard limit); returns the soft limit in force.
 */
static rlim_t fit_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return need;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ||
					      rl.rlim_max > need
				      ? need
				      : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur;
}

static void free_server(struct kr_httpd *h)
{
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int kr_httpd_start(const struct kr_httpd_opts *opts, struct kr_httpd **ret,
		   struct kr_err *err)
{
	/*
	 * MHD_USE_ITC: stopping wakes each worker through its own channel.
	 * Without it a worker at its share of the connection limit, which
	 * no longer watches the listening socket, sleeps until its nearest
	 * connection timeout (a minute) before MHD_stop_daemon returns.
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned int limit = opts->max_connections;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct sockaddr_storage ss;
	struct kr_httpd *h;
	rlim_t nofile;
	int v6 = 0, r;

	r = kr_listen_resolve(opts->listen, &ss, &v6, err);
	if (r < 0)
		return r;
	if (v6)
		flags |= MHD_USE_IPv6;
	/* a descriptor per connection, beside the program's own */
	nofile = fit_nofile((rlim_t)limit + opts->reserve_fds);
	if (nofile < (rlim_t)limit + opts->reserve_fds) {
		limit = nofile > (rlim_t)opts->reserve_fds + 16
				? (unsigned int)(nofile - opts->reserve_fds)
				: 16;
		kr_log(KR_LOG_WARNING, "%s max_connections = %u: only %u fit "
		       "the open files limit (RLIMIT_NOFILE %llu); serving "
		       "%u", opts->name, opts->max_connections, limit,
		       (unsigned long long)nofile, limit);
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return kr_err_set(err, -ENOMEM, "out of memory");
	h->opts = *opts;
	pthread_mutex_init(&h->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&h->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	r = pthread_create(&h->watchdog, NULL, watch, h);
	if (r) {
		free_server(h);
		return kr_err_set(err, -r, "cannot start a thread: %s",
				  strerror(r));
	}
	h->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_access, h,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned int)(cpus > 0 ? cpus : 1),
		MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		opts->max_connections_per_client,
		MHD_OPTION_CONNECTION_TIMEOUT, opts->idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		opts->max_header_bytes ? opts->max_header_bytes
				       : (size_t)32768,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
		MHD_OPTION_END);
	if (!h->mhd) {
		kr_httpd_stop(h);
		return kr_err_set(err, -EADDRNOTAVAIL,
				  "%s listen = %s: cannot listen (address in "
				  "use, or not on this host)", opts->name,
				  opts->listen);
	}
	*ret = h;
	return 0;
}

void kr_httpd_stop(struct kr_httpd *h)
{
	if (!h)
		return;
	/* closes every connection (their contexts leave the list) */
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	pthread_cond_broadcast(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->watchdog, NULL);
	free_server(h);
}
