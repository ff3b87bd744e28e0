/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cni.h"
#include "cni_server.h"
#include "fileio.h"
#include "log.h"
#include "ratelimit.h"
#include "wire.h"

struct cni_server {
	struct inv_cache *cache;
	struct cni_agent agent;
	char *path;
	int fd;				/* listening socket */
	int wake[2];			/* pipe: stop */
	pthread_t thread;
	pthread_mutex_t lock;		/* guards requests, reading, stopping */
	pthread_cond_t done;
	unsigned int requests;		/* running */
	struct request *reading;	/* still reading their request */
	int stopping;
};

struct request {
	struct cni_server *srv;
	int fd;
	struct request *prev, *next;	/* on srv->reading until read */
};

/* How long an answer may wait for a client that does not read it. */
#define SEND_TIMEOUT_S 10

static void respond(int fd, int exit_status, const char *out,
		    const char *err)
{
	json_t *doc = json_pack("{s:i, s:i, s:s, s:s}", "version",
				CNI_WIRE_VERSION, "exit", exit_status,
				"stdout", out, "stderr", err ? err : "");
	char msg[256];

	if (!doc || cni_wire_send(fd, doc, msg, sizeof(msg)) < 0)
		kr_log(KR_LOG_WARNING, "CNI request: cannot answer: %s",
		       doc ? msg : "out of memory");
	json_decref(doc);
}

/* Answer with a CNI error the agent found before running the request. */
static void refuse(int fd, int code, const char *msg, const char *details)
{
	struct cni_error e = { .code = code };
	char *out;

	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	snprintf(e.details, sizeof(e.details), "%s", details);
	kr_log_rl(KR_LOG_WARNING, "CNI request refused: %s: %s", msg, details);
	out = cni_error_json(NULL, &e);
	respond(fd, 1, out ? out : "", NULL);
	free(out);
}

/* Root, or the agent's own user, may ask. */
static int peer_allowed(int fd, char *why, size_t size)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(why, size, "SO_PEERCRED: %s", strerror(errno));
		return 0;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return 1;
	snprintf(why, size, "process %d of uid %u may not ask for VFs",
		 (int)cred.pid, (unsigned int)cred.uid);
	return 0;
}

/* Take 'r' off the list of requests being read; false when stopping. */
static int done_reading(struct cni_server *srv, struct request *r)
{
	int stopping;

	pthread_mutex_lock(&srv->lock);
	if (r->prev)
		r->prev->next = r->next;
	else
		srv->reading = r->next;
	if (r->next)
		r->next->prev = r->prev;
	stopping = srv->stopping;
	pthread_mutex_unlock(&srv->lock);
	return !stopping;
}

static void serve(struct cni_server *srv, struct request *r)
{
	int fd = r->fd;
	const struct kr_config *cfg;
	json_t *req = NULL, *vars, *text;
	char msg[256], *out = NULL, *log = NULL;
	struct kr_node *node;
	size_t log_len = 0;
	int version = 0, status, changed;
	FILE *capture;

	if (!peer_allowed(fd, msg, sizeof(msg))) {
		done_reading(srv, r);
		refuse(fd, CNI_ERR_NOT_PERMITTED, "not permitted", msg);
		return;
	}
	status = cni_wire_recv(fd, CNI_WIRE_MAX_FRAME,
			       CNI_WIRE_REQUEST_TIMEOUT_MS, &req, msg,
			       sizeof(msg));
	/* a request not read in whole when SIGTERM came is not taken: the
	 * runtime tries again, with the next agent */
	if (!done_reading(srv, r)) {
		refuse(fd, CNI_ERR_TRY_AGAIN, "the agent is stopping",
		       "try again");
		goto out;
	}
	if (status < 0) {
		refuse(fd, CNI_ERR_IO, "cannot read the request", msg);
		return;
	}
	vars = json_object_get(req, "env");
	text = json_object_get(req, "stdin");
	json_unpack(req, "{s:i}", "version", &version);
	if (version != CNI_WIRE_VERSION) {
		/* an upgrade in progress: the runtime retries */
		snprintf(msg, sizeof(msg), "the plugin speaks protocol %d, "
			 "the agent %d", version, CNI_WIRE_VERSION);
		refuse(fd, CNI_ERR_TRY_AGAIN, "protocol version mismatch",
		       msg);
		goto out;
	}
	if (!json_is_object(vars) || !json_is_string(text)) {
		refuse(fd, CNI_ERR_DECODE, "malformed request",
		       "needs an object \"env\" and a string \"stdin\"");
		goto out;
	}
	capture = open_memstream(&log, &log_len);
	kr_log_capture(capture);
	node = inv_cache_node_get(srv->cache, &cfg);
	status = cni_run(&srv->agent, cfg, node, vars, json_string_value(text),
			 json_string_length(text), &out, &changed);
	inv_cache_node_put(srv->cache);
	kr_log_capture(NULL);
	if (capture)
		fclose(capture);
	/* the inventory shows the change before the runtime hears of it */
	if (changed)
		inv_cache_refresh(srv->cache);
	if (log)
		cni_printable(log, 1);
	respond(fd, status, out ? out : "", log);
out:
	free(out);
	free(log);
	json_decref(req);
}

static void *request_thread(void *arg)
{
	struct request *r = arg;
	struct cni_server *srv = r->srv;

	serve(srv, r);
	close(r->fd);
	free(r);
	pthread_mutex_lock(&srv->lock);
	srv->requests--;
	pthread_cond_broadcast(&srv->done);
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static void start_request(struct cni_server *srv, int fd)
{
	struct request *r = calloc(1, sizeof(*r));
	struct timeval send_timeout = { .tv_sec = SEND_TIMEOUT_S };
	pthread_attr_t attr;
	pthread_t thread;

	if (!r) {
		close(fd);
		return;
	}
	r->srv = srv;
	r->fd = fd;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout,
		   sizeof(send_timeout));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&srv->lock);
	srv->requests++;
	r->next = srv->reading;
	if (srv->reading)
		srv->reading->prev = r;
	srv->reading = r;
	pthread_mutex_unlock(&srv->lock);
	if (pthread_create(&thread, &attr, request_thread, r) != 0) {
		kr_log(KR_LOG_ERR, "CNI request: cannot start a thread");
		done_reading(srv, r);
		close(fd);
		free(r);
		pthread_mutex_lock(&srv->lock);
		srv->requests--;
		pthread_cond_broadcast(&srv->done);
		pthread_mutex_unlock(&srv->lock);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_thread(void *arg)
{
	struct cni_server *srv = arg;

	for (;;) {
		struct pollfd fds[2] = { { .fd = srv->fd, .events = POLLIN },
					 { .fd = srv->wake[0],
					   .events = POLLIN } };
		int fd;

		/* beyond the limit, callers wait in the listen backlog */
		pthread_mutex_lock(&srv->lock);
		while (srv->requests >= CNI_SERVER_MAX_REQUESTS &&
		       !srv->stopping)
			pthread_cond_wait(&srv->done, &srv->lock);
		pthread_mutex_unlock(&srv->lock);
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!fds[0].revents)
			continue;
		fd = accept4(srv->fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			start_request(srv, fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			kr_log(KR_LOG_WARNING, "CNI socket: accept: %s",
			       strerror(errno));
	}
	return NULL;
}

/* Bind 'path', replacing what a dead agent left there (a socket only). */
static int listen_on(const char *path, struct kr_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *dir, *slash;
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return kr_err_set(err, -ENAMETOOLONG,
				  "[daemon] agent_socket %s: longer than %zu "
				  "bytes", path, sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	dir = strdup(path);
	if (!dir)
		return kr_err_set(err, -ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	r = kr_mkdir_p(dir, err);
	free(dir);
	if (r < 0)
		return r;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return kr_err_set(err, -EEXIST,
					  "[daemon] agent_socket %s exists "
					  "and is not a socket", path);
		unlink(path);	/* the agent lock says no agent uses it */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return kr_err_set(err, -errno, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 128) < 0) {
		r = kr_err_set(err, -errno, "[daemon] agent_socket %s: %s",
			       path, strerror(errno));
		close(fd);
		return r;
	}
	return fd;
}

int cni_server_start(const struct kr_config *cfg, struct inv_cache *cache,
		     struct cni_server **ret, struct kr_err *err)
{
	struct cni_server *srv = calloc(1, sizeof(*srv));
	const struct kr_config *in_force;
	struct kr_node *node;
	size_t unrepaired;
	int r;

	if (!srv)
		return kr_err_set(err, -ENOMEM, "out of memory");
	srv->cache = cache;
	srv->fd = srv->wake[0] = srv->wake[1] = -1;
	cni_agent_init(&srv->agent);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->done, NULL);
	/* before the first request: what a killed agent left half done */
	node = inv_cache_node_get(cache, &in_force);
	unrepaired = cni_repair(&srv->agent, in_force, node);
	inv_cache_node_put(cache);
	if (unrepaired)
		kr_log(KR_LOG_ERR, "%zu attachments could not be released; "
				   "DEL or GC of them tries again",
		       unrepaired);
	inv_cache_refresh(cache);
	srv->path = strdup(cfg->daemon_agent_socket);
	if (!srv->path) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_fail;
	}
	r = srv->fd = listen_on(srv->path, err);
	if (r < 0)
		goto out_fail;
	if (pipe2(srv->wake, O_CLOEXEC) < 0) {
		r = kr_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out_fail;
	}
	r = pthread_create(&srv->thread, NULL, accept_thread, srv);
	if (r) {
		r = kr_err_set(err, -r, "cannot start the CNI service: %s",
			       strerror(r));
		goto out_fail;
	}
	*ret = srv;
	return 0;
out_fail:
	srv->stopping = 1;	/* no thread to join */
	cni_server_stop(srv);
	return r;
}

void cni_server_stop(struct cni_server *srv)
{
	struct request *r;

	if (!srv)
		return;
	pthread_mutex_lock(&srv->lock);
	if (!srv->stopping) {
		srv->stopping = 1;
		pthread_cond_broadcast(&srv->done);
		pthread_mutex_unlock(&srv->lock);
		if (write(srv->wake[1], "s", 1) < 0) {
			/* the accept thread wakes at its next poll anyway */
		}
		pthread_join(srv->thread, NULL);
		pthread_mutex_lock(&srv->lock);
	}
	/* wake the requests still being read (their CNI work has not
	 * begun); the running ones finish */
	for (r = srv->reading; r; r = r->next)
		shutdown(r->fd, SHUT_RD);
	while (srv->requests)
		pthread_cond_wait(&srv->done, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	if (srv->fd >= 0) {
		close(srv->fd);
		unlink(srv->path);
	}
	if (srv->wake[0] >= 0) {
		close(srv->wake[0]);
		close(srv->wake[1]);
	}
	free(srv->path);
	pthread_cond_destroy(&srv->done);
	pthread_mutex_destroy(&srv->lock);
	cni_agent_destroy(&srv->agent);
	free(srv);
}
