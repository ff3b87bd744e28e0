/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which node's daemon the poller asks next, and when it asks again.
 *
 * A node is due a poll interval after its last answer.  After failures in
 * a row it is due later and later: the interval doubled each time, at most
 * BACKOFF_MAX_MS, less a random part of it, so that nodes that died
 * together do not retry together.  Of the due nodes, the ones that last
 * answered go first, then those asked about recently (by filter,
 * prioritize or bind) before the others; nodes that failed last time get
 * at most FETCH_SLOTS_FOR_FAILING slots.  Every request starts only when
 * it has a slot, so its deadline is its own.  Node lookups (nodes named
 * without an address, names with no Node) have slots of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "node_cache_internal.h"

/* Longest wait between two requests to a node that keeps failing. */
#define BACKOFF_MAX_MS 30000
/* ... and between two lookups of a name that has no Node: a scheduler
 * naming thousands of them costs the API server little. */
#define GONE_BACKOFF_MAX_MS 300000
/* Nodes asked about within this time are polled first. */
#define RECENT_MS 60000
/* Shortest time between two scans of the whole cache. */
#define SCAN_GAP_MS 50
/* Longest sleep of the poller when nothing is due. */
#define IDLE_MS 1000

static uint64_t next_random(struct node_cache *c)
{
	c->random ^= c->random << 13;
	c->random ^= c->random >> 7;
	c->random ^= c->random << 17;
	return c->random;
}

void node_schedule_next(struct node_cache *c, struct node_entry *e,
			uint64_t now, bool ok)
{
	uint64_t delay = c->cfg->extender_poll_ms;
	uint64_t most = e->state == NODE_GONE ? GONE_BACKOFF_MAX_MS
					      : BACKOFF_MAX_MS;
	uint32_t i;

	e->busy = false;
	if (ok) {
		e->failures = 0;
		e->due_ms = now + delay;
	} else {
		if (e->failures < UINT32_MAX)
			e->failures++;
		if (most < delay)
			most = delay;
		for (i = 1; i < e->failures && delay < most; i++)
			delay *= 2;
		if (delay > most)
			delay = most;
		e->due_ms = now + delay / 2 + next_random(c) % (delay / 2 + 1);
	}
	node_schedule_at(c, e, e->due_ms);
}

void node_schedule_at(struct node_cache *c, struct node_entry *e,
		      uint64_t when)
{
	e->due_ms = when;
	/* the last scan skipped it, busy or not due as it was */
	if (when < c->next_scan_ms)
		c->next_scan_ms = when;
}

/* Asked about recently first, then the longest due ('now' points to the
 * time of the scan). */
static int cmp_due(const void *a, const void *b, void *now)
{
	const struct node_entry *x = *(struct node_entry *const *)a;
	const struct node_entry *y = *(struct node_entry *const *)b;
	uint64_t t = *(const uint64_t *)now;
	int rx = t - atomic_load(&x->asked_ms) < RECENT_MS;
	int ry = t - atomic_load(&y->asked_ms) < RECENT_MS;

	if (rx != ry)
		return ry - rx;
	return x->due_ms < y->due_ms ? -1 : x->due_ms > y->due_ms;
}

static int queue_push(struct node_queue *q, struct node_entry *e)
{
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct node_entry **grown = realloc(q->e, cap * sizeof(*grown));

		if (!grown)
			return -1;
		q->e = grown;
		q->cap = cap;
	}
	q->e[q->n++] = e;
	return 0;
}

/* The queue 'e' waits in when it is due, or NULL: nothing to do. */
static struct node_queue *queue_of(struct node_cache *c, struct node_entry *e,
				   uint64_t now)
{
	uint64_t forget = (uint64_t)c->cfg->extender_forget_s * 1000;
	bool recent = now - atomic_load(&e->asked_ms) < RECENT_MS;

	switch (e->state) {
	case NODE_POLLED:
		/* idle for long: is it still there? (node_evict.c) */
		if (c->kube && now - atomic_load(&e->asked_ms) >= forget &&
		    now - e->checked_ms >= forget)
			return &c->lookups;
		return e->failures ? &c->failing : &c->healthy;
	case NODE_RESOLVING:
		return &c->lookups;
	case NODE_GONE:
		/* a Node may appear under a name the scheduler still names */
		return recent ? &c->lookups : NULL;
	}
	return NULL;
}

static void sort_queue(struct node_queue *q, uint64_t now)
{
	if (q->n > 1)
		qsort_r(q->e, q->n, sizeof(*q->e), cmp_due, &now);
}

/*
 * Every node due now, into the queues, sorted; the earliest time another
 * node falls due.  The lookups' queue is left alone until it is drained:
 * it may hold thousands of names, more than its slots take in a while.
 */
static uint64_t scan(struct node_cache *c, uint64_t now)
{
	bool lookups = c->lookups.next == c->lookups.n;
	uint64_t next = now + IDLE_MS;
	size_t i;

	c->healthy.n = c->healthy.next = 0;
	c->failing.n = c->failing.next = 0;
	if (lookups)
		c->lookups.n = c->lookups.next = 0;
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < c->n; i++) {
		struct node_entry *e = c->entries[i];
		struct node_queue *q;

		if (e->busy)
			continue;
		if (e->due_ms > now) {
			if (e->due_ms < next)
				next = e->due_ms;
			continue;
		}
		q = queue_of(c, e, now);
		/* out of memory: the node waits for the next scan */
		if (q && (q != &c->lookups || lookups))
			(void)queue_push(q, e);
	}
	pthread_rwlock_unlock(&c->lock);
	sort_queue(&c->healthy, now);
	sort_queue(&c->failing, now);
	if (lookups)
		sort_queue(&c->lookups, now);
	return next;
}

/* Start 'q''s nodes while there are slots (and, for 'failing', its own). */
static void start_from(struct node_cache *c, struct node_queue *q,
		       bool failing)
{
	size_t s = 0;

	while (q->next < q->n && c->fetching < FETCH_SLOTS &&
	       (!failing || c->fetching_failed < FETCH_SLOTS_FOR_FAILING)) {
		struct node_entry *e = q->e[q->next++];

		while (c->slots[s].e)
			s++;
		pthread_rwlock_rdlock(&c->lock);
		if (node_fetch_start(c, &c->slots[s], e) < 0) {
			pthread_rwlock_unlock(&c->lock);
			break;	/* out of memory: try again at the next scan */
		}
		pthread_rwlock_unlock(&c->lock);
		e->busy = true;
		c->slots[s].retry = failing;
		c->fetching++;
		c->fetching_failed += failing;
	}
}

/* Start the lookups due while their slots last. */
static void start_lookups(struct node_cache *c)
{
	size_t s = FETCH_SLOTS;

	while (c->lookups.next < c->lookups.n && c->looking_up < LOOKUP_SLOTS) {
		struct node_entry *e = c->lookups.e[c->lookups.next++];

		while (c->slots[s].e)
			s++;
		if (node_lookup_start(c, &c->slots[s], e) < 0)
			break;	/* out of memory: try again at the next scan */
		e->busy = true;
		c->looking_up++;
	}
}

long node_schedule_run(struct node_cache *c, uint64_t now)
{
	bool drained = c->healthy.next == c->healthy.n;

	if (atomic_exchange(&c->rescan, false) ||
	    (drained && now >= c->next_scan_ms)) {
		uint64_t next = scan(c, now);

		/* a node falls due every millisecond or so in a large
		 * cluster: gather them rather than scanning for each */
		c->next_scan_ms = next > now + SCAN_GAP_MS ? next
							   : now + SCAN_GAP_MS;
	}
	start_from(c, &c->healthy, false);
	start_from(c, &c->failing, true);
	start_lookups(c);
	if (c->healthy.next < c->healthy.n ||
	    c->lookups.next < c->lookups.n)
		return IDLE_MS;	/* no slot: the next request done wakes us */
	return c->next_scan_ms > now ? (long)(c->next_scan_ms - now) : 0;
}
