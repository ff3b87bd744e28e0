/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node cache's poller and lifetime: one thread, one libcurl multi
 * handle; each node's inventory is asked for when it falls due
 * (node_schedule.c, node_fetch.c, node_lookup.c) and what it answers
 * stored, ending the reservations it now shows (node_ledger.c); now and
 * then it forgets nodes that are gone (node_evict.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "node_cache_internal.h"

/* How often the poller looks for nodes to forget. */
#define SWEEP_MS 1000

uint64_t node_cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Collect the requests that are done: decode their answers without the
 * lock, then store them all under one write lock.
 */
static void finish(struct node_cache *c)
{
	struct node_request *done[FETCH_SLOTS + LOOKUP_SLOTS];
	bool lookup[FETCH_SLOTS + LOOKUP_SLOTS];
	size_t n = 0, i;
	uint64_t now;
	CURLMsg *msg;
	int left;

	while (n < FETCH_SLOTS + LOOKUP_SLOTS &&
	       (msg = curl_multi_info_read(c->multi, &left))) {
		struct node_request *r;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
				  (char **)&r);
		lookup[n] = r->call != NULL;
		if (lookup[n])
			node_lookup_done(c, r, msg->data.result);
		else
			node_fetch_done(c, r, msg->data.result);
		done[n++] = r;
	}
	if (!n)
		return;
	now = node_cache_now_ms();
	pthread_rwlock_wrlock(&c->lock);
	for (i = 0; i < n; i++) {
		if (lookup[i]) {
			c->looking_up--;
			node_lookup_apply(c, done[i], now);
			continue;
		}
		c->fetching--;
		c->fetching_failed -= done[i]->retry;
		node_fetch_apply(c, done[i], now);
	}
	pthread_rwlock_unlock(&c->lock);
}

/* Say how many of each flood of messages were held back. */
static void flush_logs(void)
{
	kr_log_limited_flush(&log_unreachable, KR_LOG_WARNING,
			     "inventories unreachable");
	kr_log_limited_flush(&log_lookup_failed, KR_LOG_WARNING,
			     "Node lookups failed");
	kr_log_limited_flush(&log_gone, KR_LOG_INFO, "names without a Node");
	kr_log_limited_flush(&log_full, KR_LOG_WARNING,
			     "names not cached, the cache being full");
}

/*
 * The poller: starts the requests that are due (node_schedule.c), sleeps
 * until one is done or another falls due, and stores the answers.
 */
static void *poller(void *arg)
{
	struct node_cache *c = arg;
	uint64_t next_sweep = 0;
	int running;

	while (!atomic_load(&c->stopping)) {
		uint64_t now = node_cache_now_ms();
		long wait;

		if (now >= next_sweep) {
			node_cache_sweep(c, now);
			next_sweep = now + SWEEP_MS;
		}
		wait = node_schedule_run(c, now);
		if (wait > (long)(next_sweep - now))
			wait = (long)(next_sweep - now);

		curl_multi_poll(c->multi, NULL, 0, (int)wait, NULL);
		curl_multi_perform(c->multi, &running);
		finish(c);
		flush_logs();
	}
	return NULL;
}

/* ---- lifetime ---- */

int node_cache_start(const struct kr_config *cfg,
			struct kr_kubeconfig *kube,
			struct node_cache **ret, struct kr_err *err)
{
	struct node_cache *c = calloc(1, sizeof(*c));
	pthread_rwlockattr_t attr;
	int r;

	if (!c)
		return kr_err_set(err, -ENOMEM, "out of memory");
	c->cfg = cfg;
	c->kube = kube;
	c->random = (uint64_t)getpid() << 32 ^ node_cache_now_ms() ^ 1;
	c->slots = calloc(FETCH_SLOTS + LOOKUP_SLOTS, sizeof(*c->slots));
	c->multi = curl_multi_init();
	if (!c->slots || !c->multi) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	/* Filters overlap all day long; with readers preferred, the poller
	 * could wait for a gap between them while nodes go stale. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	r = pthread_create(&c->thread, NULL, poller, c);
	if (r) {
		pthread_rwlock_destroy(&c->lock);
		r = kr_err_set(err, -r, "cannot start the poller: %s",
			       strerror(r));
		goto out_free;
	}
	*ret = c;
	return 0;
out_free:
	curl_multi_cleanup(c->multi);
	free(c->slots);
	free(c);
	return r;
}

void node_cache_wake(struct node_cache *c)
{
	atomic_store(&c->rescan, true);
	curl_multi_wakeup(c->multi);
}

void node_cache_stop(struct node_cache *c)
{
	size_t i;

	if (!c)
		return;
	atomic_store(&c->stopping, true);
	curl_multi_wakeup(c->multi);
	pthread_join(c->thread, NULL);
	for (i = 0; i < FETCH_SLOTS + LOOKUP_SLOTS; i++)
		node_fetch_clear(c, &c->slots[i]);
	curl_multi_cleanup(c->multi);
	free(c->slots);
	free(c->healthy.e);
	free(c->failing.e);
	free(c->lookups.e);
	for (i = 0; i < c->n; i++)
		node_entry_free(c->entries[i]);
	free(c->entries);
	free(c->index);
	pthread_rwlock_destroy(&c->lock);
	free(c);
}
