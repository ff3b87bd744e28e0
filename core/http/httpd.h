/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the daemon's and the extender's HTTP servers share: a
 * libmicrohttpd server that defends itself before the program sees a
 * request.
 *
 * - connections: at most max_connections, and max_connections_per_client
 *   from one client address; RLIMIT_NOFILE is raised to hold them (or
 *   the limit lowered to fit it, with a warning);
 * - a deadline: a connection's first request must be in whole (headers
 *   and body) within request_timeout_s of the connection's start, and
 *   each later one within request_timeout_s of its first byte; a client
 *   that trickles bytes does not reset it.  A connection past it is
 *   closed.  idle_timeout_s closes connections silent for that long, in
 *   any phase;
 * - framing: two Content-Length headers that disagree, or Content-Length
 *   with Transfer-Encoding, are refused (400);
 * - bodies: at most max_body bytes per request (413) and max_body_total
 *   bytes for all requests in flight together (503);
 * - its own messages logged rate-limited.
 *
 * The program's handler is called once per request, when the request is
 * in whole (keep-alive follows), or at once, with the headers only, when
 * the request is refused (the connection then closes after the answer).
 */
#ifndef KR_HTTPD_H
#define KR_HTTPD_H

#include <microhttpd.h>
#include <stddef.h>

#include "kube-rdma/backend.h"

/* Why the library refuses a request: the handler answers with these. */
struct kr_httpd_refusal {
	unsigned int code;	/* 0 (not refused), 400, 413 or 503 */
	const char *error;	/* a token: "bad_request", "body_refused", "busy" */
	const char *message;	/* a sentence for the client */
};

/* One request, as the handler gets it. */
struct kr_httpd_request {
	struct MHD_Connection *conn;
	const char *url;
	const char *method;
	const char *body;	/* NUL-terminated; NULL when none or refused */
	size_t body_len;
	struct kr_httpd_refusal refusal;
};

/*
 * Answer 'rq': queue a response on rq->conn, return what
 * MHD_queue_response returned (MHD_NO closes the connection unanswered).
 * A refused request must be answered with an error (the handler may
 * prefer another one, e.g. 404 for a path that does not exist).
 */
typedef enum MHD_Result (*kr_httpd_handler_fn)(void *cls,
					       const struct kr_httpd_request *rq);

struct kr_httpd_opts {
	const char *listen;		/* "HOST:PORT" */
	const char *name;		/* "[daemon]": for messages */
	unsigned int max_connections;
	unsigned int max_connections_per_client;	/* by address */
	unsigned int idle_timeout_s;
	unsigned int request_timeout_s;
	size_t max_header_bytes;	/* request line and headers; 0: 32 KiB */
	size_t max_body;		/* per request; 0: no body taken */
	size_t max_body_total;		/* all requests in flight */
	unsigned int reserve_fds;	/* the program's own descriptors */
	kr_httpd_handler_fn handler;
	void *cls;			/* the handler's */
};

struct kr_httpd;

/* The client's address as text, for messages ("?" when unknown). */
void kr_httpd_client_name(struct MHD_Connection *conn, char *out,
			  size_t size);

/*
 * Listen on opts->listen and serve, with a thread per core.  -EINVAL (the
 * address does not resolve), -EADDRNOTAVAIL (cannot listen), -ENOMEM.
 */
int kr_httpd_start(const struct kr_httpd_opts *opts, struct kr_httpd **ret,
		   struct kr_err *err);

/*
 * Stop at once: close every connection, whatever its client does, and
 * wait for the server's threads (a running handler finishes first).
 * Accepts NULL.
 */
void kr_httpd_stop(struct kr_httpd *h);

#endif
