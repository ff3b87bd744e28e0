/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the inventory decoder, which reads what remote daemons send.
 * An accepted document must encode again and decode to the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *encode(const struct kr_inventory *inv)
{
	json_t *doc = kr_inventory_to_json(inv);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;

	json_decref(doc);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_inventory *inv = NULL, *again = NULL;
	struct kr_err err = { 0 };
	char *a, *b;

	if (kr_inventory_parse((const char *)data, size, &inv, &err) < 0)
		return 0;
	a = encode(inv);
	if (!a || kr_inventory_parse(a, strlen(a), &again, &err) < 0)
		abort();
	b = encode(again);
	if (!b || strcmp(a, b) != 0)
		abort();
	free(a);
	free(b);
	kr_inventory_free(inv);
	kr_inventory_free(again);
	return 0;
}
