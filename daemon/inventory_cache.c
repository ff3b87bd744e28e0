/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "cdi.h"
#include "err.h"
#include "fileio.h"
#include "inventory_cache.h"
#include "log.h"
#include "node.h"
#include "getpfs_api.h"

/* A PF's last error, so each failure is logged once, not every refresh. */
struct pf_error {
	char pf[KR_IFNAMSIZ];
	char msg[KR_ERR_MSG_SIZE];
};

struct inv_cache {
	char *config_path;
	struct kr_config *cfg;		/* refresher's; swapped on reload */
	struct kr_node *node;
	pthread_t thread;
	int wake[2];			/* pipe: stop / reload */
	pthread_mutex_t lock;		/* guards current and refs */
	/* held for reading while the node is used (the refresher, CNI
	 * requests), for writing while a reload swaps it */
	pthread_rwlock_t node_lock;
	/* one refresh at a time: the refresher's or a CNI request's */
	pthread_mutex_t refresh_lock;
	struct inv_snapshot *current;
	char *last_doc;			/* last document, generation 0 */
	uint64_t generation;
	char *generation_path;
	struct pf_error *errors;	/* this refresh's PF errors */
	size_t n_errors;
	struct pf_error *logged;	/* what was last logged */
	size_t n_logged;
	volatile int stopping;
	volatile int reload;
};

uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void snapshot_free(struct inv_snapshot *s)
{
	if (!s)
		return;
	free(s->json);
	free(s->paper_json);
	free(s->down);
	kr_inventory_free(s->inv);
	free(s);
}

struct inv_snapshot *inv_cache_get(struct inv_cache *c)
{
	struct inv_snapshot *s;

	pthread_mutex_lock(&c->lock);
	s = c->current;
	s->refs++;
	pthread_mutex_unlock(&c->lock);
	return s;
}

void inv_snapshot_put(struct inv_cache *c, struct inv_snapshot *s)
{
	int last;

	pthread_mutex_lock(&c->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (last)
		snapshot_free(s);
}

uint32_t inv_cache_interval_ms(struct inv_cache *c)
{
	return c->cfg->daemon_refresh_ms;
}

/* ---- generation ---- */

static uint64_t generation_load(const char *path)
{
	unsigned long long g = 0;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%llu", &g) != 1)
			g = 0;
		fclose(f);
	}
	return g;
}

static void generation_store(struct inv_cache *c)
{
	struct kr_err err = { 0 };
	char text[32];

	snprintf(text, sizeof(text), "%" PRIu64 "\n", c->generation);
	if (kr_write_file_atomic(c->generation_path, text, strlen(text),
				 &err) < 0)
		kr_log(KR_LOG_WARNING, "%s, generations may repeat after a "
				       "restart", kr_err_text(&err));
}

/* ---- PF errors: logged when they change ---- */

static __thread struct inv_cache *refreshing;

static void on_pf_error(const char *pf, const struct kr_err *err)
{
	struct inv_cache *c = refreshing;
	struct pf_error *grown;

	if (!pf) {	/* allocation records */
		kr_log(KR_LOG_WARNING, "%s, ignoring", kr_err_text(err));
		return;
	}
	grown = realloc(c->errors, (c->n_errors + 1) * sizeof(*grown));
	if (!grown)
		return;
	c->errors = grown;
	snprintf(grown[c->n_errors].pf, KR_IFNAMSIZ, "%s", pf);
	snprintf(grown[c->n_errors].msg, KR_ERR_MSG_SIZE, "%s",
		 kr_err_text(err));
	c->n_errors++;
}

static const struct pf_error *find_error(const struct pf_error *list,
					 size_t n, const char *pf)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].pf, pf))
			return &list[i];
	return NULL;
}

static int errors_unchanged(const struct inv_cache *c)
{
	const struct pf_error *was;
	size_t i;

	if (c->n_errors != c->n_logged)
		return 0;
	for (i = 0; i < c->n_errors; i++) {
		was = find_error(c->logged, c->n_logged, c->errors[i].pf);
		if (!was || strcmp(was->msg, c->errors[i].msg))
			return 0;
	}
	return 1;
}

static void log_error_changes(struct inv_cache *c)
{
	const struct pf_error *was;
	size_t i;

	for (i = 0; i < c->n_errors; i++) {
		was = find_error(c->logged, c->n_logged, c->errors[i].pf);
		if (!was || strcmp(was->msg, c->errors[i].msg))
			kr_log(KR_LOG_ERR, "%s", c->errors[i].msg);
	}
	for (i = 0; i < c->n_logged; i++)
		if (!find_error(c->errors, c->n_errors, c->logged[i].pf))
			kr_log(KR_LOG_INFO, "PF %s: readable again",
			       c->logged[i].pf);
	free(c->logged);
	c->logged = c->errors;
	c->n_logged = c->n_errors;
	c->errors = NULL;
	c->n_errors = 0;
}

/* ---- refresh ---- */

static char *dump(json_t *doc, size_t *len)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	if (text && len)
		*len = strlen(text);
	return text;
}

/*
 * Build a snapshot of the node now; publish it (new generation) when the
 * document changed.  Returns 0 or -ENOMEM.
 */
static int refresh(struct inv_cache *c)
{
	struct inv_snapshot *s, *old = NULL;
	struct kr_err err = { 0 };
	char *doc;
	size_t i;

	refreshing = c;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (kr_node_inventory(c->node, on_pf_error, &s->inv, &err) < 0)
		goto out_nomem;
	s->inv->generation = 0;
	doc = dump(kr_inventory_to_json(s->inv), NULL);
	if (!doc)
		goto out_nomem;
	if (c->last_doc && !strcmp(doc, c->last_doc) && errors_unchanged(c)) {
		/* unchanged: keep the snapshot readers have */
		free(doc);
		free(c->errors);
		c->errors = NULL;
		c->n_errors = 0;
		pthread_mutex_lock(&c->lock);
		c->current->refreshed_at_ms = monotonic_ms();
		pthread_mutex_unlock(&c->lock);
		snapshot_free(s);
		return 0;
	}
	free(c->last_doc);
	c->last_doc = doc;
	c->generation++;
	generation_store(c);
	s->inv->generation = s->generation = c->generation;
	snprintf(s->etag, sizeof(s->etag), "\"g%" PRIu64 "\"", c->generation);
	s->json = dump(kr_inventory_to_json(s->inv), &s->json_len);
	s->paper_json = dump(getpfs_json(s->inv), &s->paper_len);
	if (c->n_errors) {
		s->down = calloc(c->n_errors, sizeof(*s->down));
		if (!s->down)
			goto out_nomem;
		for (i = 0; i < c->n_errors; i++)
			memcpy(s->down[i], c->errors[i].pf, KR_IFNAMSIZ);
		s->n_down = c->n_errors;
	}
	if (!s->json || !s->paper_json)
		goto out_nomem;
	log_error_changes(c);
	s->refreshed_at_ms = monotonic_ms();
	s->refs = 1;
	pthread_mutex_lock(&c->lock);
	if (c->current && --c->current->refs == 0)
		old = c->current;
	c->current = s;
	pthread_mutex_unlock(&c->lock);
	snapshot_free(old);
	kr_log(KR_LOG_DEBUG, "inventory generation %" PRIu64, c->generation);
	return 0;
out_nomem:
	snapshot_free(s);
	return -ENOMEM;
}

/* Keep the CDI spec in step with the node's RDMA devices. */
static void cdi(struct inv_cache *c)
{
	struct kr_err err = { 0 };

	if (cdi_write(c->cfg, &err) < 0)
		kr_log(KR_LOG_WARNING, "CDI spec: %s", kr_err_text(&err));
}

/* Open the node of c->cfg; PF failures are the refresher's to log. */
static int open_node(struct inv_cache *c, struct kr_err *err)
{
	int r;

	r = kr_node_open(c->cfg, &c->node, err);
	if (r < 0)
		return r;
	if (!c->generation_path) {
		if (asprintf(&c->generation_path, "%s/daemon/generation",
			     c->cfg->state_dir) < 0)
			return kr_err_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

static void do_reload(struct inv_cache *c)
{
	struct kr_config *cfg = NULL;
	struct kr_node *old_node = c->node;
	struct kr_config *old_cfg = c->cfg;
	struct kr_err err = { 0 };

	if (kr_config_load(c->config_path, &cfg, &err) < 0 ||
	    kr_node_check_config(cfg, &err) < 0) {
		kr_log(KR_LOG_ERR, "reload: %s; keeping the running "
				   "configuration", kr_err_text(&err));
		kr_config_free(cfg);
		return;
	}
	if (strcmp(cfg->state_dir, old_cfg->state_dir) ||
	    strcmp(cfg->daemon_listen, old_cfg->daemon_listen))
		kr_log(KR_LOG_WARNING, "reload: state_dir and listen take "
				       "effect at the next start");
	free(cfg->state_dir);
	cfg->state_dir = strdup(old_cfg->state_dir);
	c->cfg = cfg;
	c->node = NULL;
	if (!cfg->state_dir || open_node(c, &err) < 0) {
		kr_log(KR_LOG_ERR, "reload: %s; keeping the running "
				   "configuration", kr_err_text(&err));
		kr_node_close(c->node);
		kr_config_free(cfg);
		c->cfg = old_cfg;
		c->node = old_node;
		return;
	}
	kr_node_close(old_node);
	kr_config_free(old_cfg);
	kr_log(KR_LOG_INFO, "reloaded %s", c->config_path);
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *refresher(void *arg)
{
	struct inv_cache *c = arg;

	while (!c->stopping) {
		struct pollfd wake = { .fd = c->wake[0], .events = POLLIN };

		poll(&wake, 1, (int)c->cfg->daemon_refresh_ms);
		drain(c->wake[0]);
		if (c->stopping)
			break;
		if (c->reload) {
			c->reload = 0;
			pthread_mutex_lock(&c->refresh_lock);
			pthread_rwlock_wrlock(&c->node_lock);
			do_reload(c);
			pthread_rwlock_unlock(&c->node_lock);
			pthread_mutex_unlock(&c->refresh_lock);
		}
		inv_cache_refresh(c);
		cdi(c);
	}
	return NULL;
}

void inv_cache_refresh(struct inv_cache *c)
{
	pthread_mutex_lock(&c->refresh_lock);
	pthread_rwlock_rdlock(&c->node_lock);
	if (refresh(c) < 0)
		kr_log(KR_LOG_ERR, "inventory refresh: out of memory");
	pthread_rwlock_unlock(&c->node_lock);
	pthread_mutex_unlock(&c->refresh_lock);
}

struct kr_node *inv_cache_node_get(struct inv_cache *c,
				      const struct kr_config **ret_cfg)
{
	pthread_rwlock_rdlock(&c->node_lock);
	*ret_cfg = c->cfg;
	return c->node;
}

void inv_cache_node_put(struct inv_cache *c)
{
	pthread_rwlock_unlock(&c->node_lock);
}

int inv_cache_start(const char *config_path, struct kr_config *cfg,
		       struct inv_cache **ret, struct kr_err *err)
{
	struct inv_cache *c = calloc(1, sizeof(*c));
	pthread_rwlockattr_t attr;
	int r;

	if (!c) {
		kr_config_free(cfg);
		return kr_err_set(err, -ENOMEM, "out of memory");
	}
	c->cfg = cfg;
	c->wake[0] = c->wake[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->refresh_lock, NULL);
	/* a reload must not wait behind an endless stream of requests */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->node_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	c->config_path = strdup(config_path);
	if (!c->config_path) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		r = kr_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out_free;
	}
	r = open_node(c, err);
	if (r < 0)
		goto out_free;
	/* Every start gets a new generation: the document may differ from
	 * what the last process served. */
	c->generation = generation_load(c->generation_path);
	r = kr_mkdir_p(c->cfg->state_dir, err);
	if (r == 0) {
		char *dir;

		if (asprintf(&dir, "%s/daemon", c->cfg->state_dir) >= 0) {
			r = kr_mkdir_p(dir, err);
			free(dir);
		}
	}
	if (r < 0)
		goto out_free;
	if (refresh(c) < 0) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	cdi(c);
	r = pthread_create(&c->thread, NULL, refresher, c);
	if (r) {
		r = kr_err_set(err, -r, "cannot start the refresher: %s",
			       strerror(r));
		goto out_free;
	}
	*ret = c;
	return 0;
out_free:
	c->stopping = 1;
	inv_cache_stop(c);
	return r;
}

void inv_cache_reload(struct inv_cache *c)
{
	c->reload = 1;
	if (write(c->wake[1], "r", 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
}

void inv_cache_stop(struct inv_cache *c)
{
	if (!c)
		return;
	if (!c->stopping) {
		c->stopping = 1;
		if (write(c->wake[1], "s", 1) < 0) {
			/* full pipe: the thread wakes anyway */
		}
		pthread_join(c->thread, NULL);
	}
	if (c->current && --c->current->refs == 0)
		snapshot_free(c->current);
	kr_node_close(c->node);
	kr_config_free(c->cfg);
	if (c->wake[0] >= 0) {
		close(c->wake[0]);
		close(c->wake[1]);
	}
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->refresh_lock);
	pthread_rwlock_destroy(&c->node_lock);
	free(c->errors);
	free(c->logged);
	free(c->last_doc);
	free(c->generation_path);
	free(c->config_path);
	free(c);
}
