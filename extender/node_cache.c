/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node cache's poller and lifetime: every poll interval, each known
 * node's inventory is asked for again (node_fetch.c) and what it answers
 * stored, ending the reservations it now shows (node_ledger.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "node_cache_internal.h"

uint64_t node_cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Keep what scheduling needs of a full inventory: the PF totals and the
 * UIDs of the pods holding VFs.  Frees 'inv'.
 */
static void store(struct node_entry *e, struct kr_inventory *inv)
{
	char (*owners)[64] = NULL;
	size_t p, v, n = 0;

	for (p = 0; p < inv->n_pfs; p++)
		for (v = 0; v < inv->pfs[p].n_vfs; v++)
			n += inv->pfs[p].vfs[v].has_owner;
	if (n)
		owners = calloc(n, sizeof(*owners));
	n = 0;
	for (p = 0; p < inv->n_pfs; p++) {
		for (v = 0; owners && v < inv->pfs[p].n_vfs; v++)
			if (inv->pfs[p].vfs[v].has_owner)
				memcpy(owners[n++],
				       inv->pfs[p].vfs[v].owner.pod_uid, 64);
		free(inv->pfs[p].vfs);
		inv->pfs[p].vfs = NULL;
		inv->pfs[p].n_vfs = 0;
	}
	kr_inventory_free(e->inv);
	free(e->owners);
	e->inv = inv;
	e->owners = owners;
	e->n_owners = n;
}

/* Store fetch results (write lock held). */
static void apply(struct node_cache *c, struct node_fetch *jobs,
		  struct node_entry **targets, size_t n)
{
	uint64_t now = node_cache_now_ms();
	size_t i;

	for (i = 0; i < n; i++) {
		struct node_entry *e = targets[i];
		struct node_fetch *f = &jobs[i];

		c->fetches++;
		if (f->error[0] || (f->status != 200 && f->status != 304)) {
			c->failures++;
			if (f->error[0])
				snprintf(e->error, sizeof(e->error), "%s: %s",
					 e->url, f->error);
			else
				snprintf(e->error, sizeof(e->error),
					 "%s: HTTP status %ld", e->url,
					 f->status);
			continue;
		}
		if (f->status == 200) {
			store(e, f->inv);
			f->inv = NULL;
			snprintf(e->etag, sizeof(e->etag), "%s", f->etag);
		}
		e->ok_ms = now;
		e->error[0] = '\0';
		node_ledger_expire(c, e, now);
	}
}

/* Fetch 'targets' (their url/etag read under the lock) and store. */
void node_cache_refresh(struct node_cache *c, struct node_entry **targets,
		    size_t n)
{
	struct node_fetch *jobs = calloc(n + 1, sizeof(*jobs));
	size_t i;

	if (!jobs)
		return;
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < n; i++) {
		snprintf(jobs[i].url, sizeof(jobs[i].url), "%s",
			 targets[i]->url);
		snprintf(jobs[i].etag, sizeof(jobs[i].etag), "%s",
			 targets[i]->etag);
	}
	pthread_rwlock_unlock(&c->lock);
	node_fetch_all(jobs, n, c->cfg->extender_timeout_ms);
	pthread_rwlock_wrlock(&c->lock);
	apply(c, jobs, targets, n);
	pthread_rwlock_unlock(&c->lock);
	node_fetch_free(jobs, n);
	/* the full documents were large and short-lived: give them back */
	malloc_trim(0);
}

static void *poller(void *arg)
{
	struct node_cache *c = arg;

	while (!c->stopping) {
		struct pollfd pfd = { .fd = c->wake[0], .events = POLLIN };
		struct node_entry **targets;
		size_t n;

		poll(&pfd, 1, (int)c->cfg->extender_poll_ms);
		if (c->stopping)
			break;
		/* entries are never freed while the cache runs */
		pthread_rwlock_rdlock(&c->lock);
		n = c->n;
		targets = malloc((n + 1) * sizeof(*targets));
		if (targets && n)
			memcpy(targets, c->entries, n * sizeof(*targets));
		pthread_rwlock_unlock(&c->lock);
		if (targets)
			node_cache_refresh(c, targets, n);
		free(targets);
	}
	return NULL;
}

/* ---- lifetime ---- */

int node_cache_start(const struct kr_config *cfg,
			struct kr_kubeconfig *kube,
			struct node_cache **ret, struct kr_err *err)
{
	struct node_cache *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return kr_err_set(err, -ENOMEM, "out of memory");
	c->cfg = cfg;
	c->kube = kube;
	pthread_rwlock_init(&c->lock, NULL);
	if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(c);
		return kr_err_set(err, -errno, "pipe: %s", strerror(errno));
	}
	r = pthread_create(&c->thread, NULL, poller, c);
	if (r) {
		close(c->wake[0]);
		close(c->wake[1]);
		free(c);
		return kr_err_set(err, -r, "cannot start the poller: %s",
				  strerror(r));
	}
	*ret = c;
	return 0;
}

void node_cache_stop(struct node_cache *c)
{
	size_t i, j;

	if (!c)
		return;
	c->stopping = 1;
	if (write(c->wake[1], "s", 1) < 0) {
		/* the poller wakes at its next interval anyway */
	}
	pthread_join(c->thread, NULL);
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < c->entries[i]->n_res; j++)
			node_reservation_clear(&c->entries[i]->res[j]);
		free(c->entries[i]->res);
		free(c->entries[i]->owners);
		kr_inventory_free(c->entries[i]->inv);
		free(c->entries[i]);
	}
	free(c->entries);
	free(c->index);
	close(c->wake[0]);
	close(c->wake[1]);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}
