/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bitsets of reachable sums, shared by the bounds (what a PF can really
 * take), the two-PF subset sums and the search's tables of pair sums and
 * of suffix sums: bit x set when some items add up to x units of the
 * common divisor (or, in a cyclic set of P bits, to x modulo P).
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

void kr_pl_bits_rotate_or(uint64_t *restrict dst, const uint64_t *restrict src,
			  size_t words, size_t k)
{
	size_t q = k / 64 % words, r = k % 64, w;

	/* word w of the rotation is made of source words w - q and
	 * w - q - 1, taken around the end */
	if (!r) {
		for (w = 0; w < q; w++)
			dst[w] = src[w] | src[w + words - q];
		for (; w < words; w++)
			dst[w] = src[w] | src[w - q];
		return;
	}
	dst[q] = src[q] | src[0] << r | src[words - 1] >> (64 - r);
	for (w = q + 1; w < words; w++)
		dst[w] = src[w] | src[w - q] << r | src[w - q - 1] >> (64 - r);
	if (q)
		dst[0] = src[0] | src[words - q] << r |
			 src[words - q - 1] >> (64 - r);
	for (w = 1; w < q; w++)
		dst[w] = src[w] | src[w + words - q] << r |
			 src[w + words - q - 1] >> (64 - r);
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

bool kr_pl_bits_full(const uint64_t *v, size_t words)
{
	size_t w;

	for (w = 0; w < words; w++)
		if (~v[w])
			return false;
	return true;
}
