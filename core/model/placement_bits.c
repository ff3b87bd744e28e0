/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bitsets of reachable sums, shared by the bounds (what a PF can really
 * take), the two-PF subset sums and the search's table of pair sums: bit
 * x set when some items add up to x units of the common divisor.
 */
#include "placement_solver.h"

void kr_pl_bits_shift_or(uint64_t *v, size_t words, size_t k)
{
	size_t q = k / 64, r = k % 64, w;

	/* from the top down, so that each word read is not yet changed */
	for (w = words; w-- > q;) {
		uint64_t x = v[w - q] << r;

		if (r && w > q)
			x |= v[w - q - 1] >> (64 - r);
		v[w] |= x;
	}
}

int64_t kr_pl_bits_highest(const uint64_t *v, int64_t lo, int64_t hi)
{
	int64_t w, wlo;
	uint64_t x;

	if (lo < 0)
		lo = 0;
	if (hi < lo)
		return -1;
	w = hi / 64;
	wlo = lo / 64;
	x = v[w] & (~0ull >> (63 - hi % 64));
	for (;;) {
		if (w == wlo)
			x &= ~0ull << (lo % 64);
		if (x)
			return w * 64 + 63 - __builtin_clzll(x);
		if (--w < wlo)
			return -1;
		x = v[w];
	}
}
