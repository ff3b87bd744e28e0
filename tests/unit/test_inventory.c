/* SPDX-License-Identifier: Apache-2.0 */
/* Inventory JSON: round trip, and the strict decoder's rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "inventory.h"

static struct kr_inventory *sample(void)
{
	struct kr_inventory *inv = kr_inventory_new("worker-1");
	struct kr_inv_pf *pf;

	inv->generation = 17;
	pf = kr_inventory_add_pf(inv, "ens1f0", 2);
	strcpy(pf->backend, "mlx5");
	strcpy(pf->pci, "0000:3b:00.0");
	pf->link_speed_mbps = 100000;
	pf->capacity_mbps = 90000;
	pf->vfs[0].index = 0;
	strcpy(pf->vfs[0].netdev, "");
	strcpy(pf->vfs[0].pci, "0000:3b:00.2");
	strcpy(pf->vfs[0].mac, "02:00:00:00:00:01");
	pf->vfs[0].min_tx_rate = 15000;
	pf->vfs[0].max_tx_rate = 20000;
	pf->vfs[0].allocated = true;
	pf->vfs[0].has_owner = true;
	strcpy(pf->vfs[0].owner.namespace_, "default");
	strcpy(pf->vfs[0].owner.pod, "pod1");
	strcpy(pf->vfs[0].owner.pod_uid, "5a4e0b5c-6f1e-4d8e-9a7b-1c2d3e4f5a6b");
	strcpy(pf->vfs[0].owner.container_id, "abc123");
	strcpy(pf->vfs[0].rdma_device, "mlx5_2");
	strcpy(pf->vfs[0].char_devices[0], "uverbs2");
	pf->vfs[1].index = 1;
	strcpy(pf->vfs[1].netdev, "ens1f0v1");
	strcpy(pf->vfs[1].pci, "0000:3b:00.3");
	strcpy(pf->vfs[1].mac, "02:00:00:00:00:02");
	kr_inv_pf_update_totals(pf);
	pf = kr_inventory_add_pf(inv, "ens2f0", 0);
	strcpy(pf->backend, "generic-sriov");
	pf->min_rate_supported = false;
	kr_inv_pf_update_totals(pf);
	return inv;
}

static char *dump(const struct kr_inventory *inv)
{
	json_t *doc = kr_inventory_to_json(inv);
	char *text;

	assert_non_null(doc);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	assert_non_null(text);
	return text;
}

static void test_round_trip(void **state)
{
	const char *older =
		"{\"node\":\"n\",\"generation\":1,\"pfs\":[{\"name\":"
		"\"p\",\"backend\":\"mock\",\"pci\":\"0000:3b:00.0\","
		"\"link_speed_mbps\":1,\"capacity_mbps\":1,"
		"\"reserved_mbps\":0,\"vfs_total\":0,\"vfs_free\":0,"
		"\"vfs\":[]}]}";
	struct kr_inventory *inv = sample(), *back = NULL, *old = NULL;
	struct kr_err err = { 0 };
	char *a, *b;

	assert_int_equal(inv->pfs[0].reserved_mbps, 15000);
	assert_int_equal(inv->pfs[0].vfs_total, 2);
	assert_int_equal(inv->pfs[0].vfs_free, 1);
	a = dump(inv);
	if (kr_inventory_parse(a, strlen(a), &back, &err) < 0)
		fail_msg("%s", err.msg);
	b = dump(back);
	assert_string_equal(a, b);
	assert_int_equal(back->generation, 17);
	assert_string_equal(back->pfs[0].vfs[0].owner.pod, "pod1");
	assert_true(back->pfs[0].vfs[0].has_owner);
	assert_false(back->pfs[0].vfs[1].has_owner);
	/* the DESIGN.md shape, key for key and in order */
	assert_non_null(strstr(a, "{\"node\":\"worker-1\",\"generation\":17,"
				  "\"pfs\":[{\"name\":\"ens1f0\",\"backend\":"
				  "\"mlx5\",\"pci\":\"0000:3b:00.0\","
				  "\"link_speed_mbps\":100000,\"capacity_mbps\":"
				  "90000,\"min_rate_supported\":true,"
				  "\"reserved_mbps\":15000,\"vfs_total\":"
				  "2,\"vfs_free\":1,\"vfs\":[{\"index\":0,"
				  "\"netdev\":\"\",\"pci\":\"0000:3b:00.2\","
				  "\"mac\":\"02:00:00:00:00:01\",\"min_tx_rate\":"
				  "15000,\"max_tx_rate\":20000,\"allocated\":"
				  "true,\"owner\":{\"namespace\":\"default\","
				  "\"pod\":\"pod1\""));
	assert_non_null(strstr(a, "\"allocated\":false,\"owner\":null}"));
	assert_non_null(strstr(a, "\"pod_uid\":\"5a4e0b5c-6f1e-4d8e-9a7b-"
				  "1c2d3e4f5a6b\",\"container_id\":\"abc123\"},"
				  "\"rdma\":{\"device\":\"mlx5_2\","
				  "\"char_devices\":[\"uverbs2\"]}}"));
	assert_false(back->pfs[1].min_rate_supported);
	/* documents without the optional members: reservations allowed,
	 * no RDMA device */
	if (kr_inventory_parse(older, strlen(older), &old, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(old->pfs[0].min_rate_supported);
	kr_inventory_free(old);
	free(a);
	free(b);
	kr_inventory_free(inv);
	kr_inventory_free(back);
}

/*
 * Take the sample's JSON, replace 'from' by 'to' (once), and expect the
 * decoder to refuse with 'want' in the message.
 */
static void mutated_fails(const char *from, const char *to, const char *want)
{
	struct kr_inventory *inv = sample(), *back = NULL;
	struct kr_err err = { 0 };
	char *a = dump(inv), *at, text[8192];

	at = strstr(a, from);
	if (!at)
		fail_msg("sample has no \"%s\"", from);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - a), a, to,
		 at + strlen(from));
	if (kr_inventory_parse(text, strlen(text), &back, &err) != -EINVAL ||
	    !strstr(err.msg, want))
		fail_msg("%s -> %s: want \"%s\", got \"%s\"", from, to, want,
			 err.msg);
	assert_null(back);
	free(a);
	kr_inventory_free(inv);
}

static void test_rejections(void **state)
{
	mutated_fails("\"node\":\"worker-1\"", "\"node\":7",
		      "inventory: ");
	mutated_fails("\"node\":\"worker-1\"", "\"node\":\"\"",
		      "inventory.node");
	mutated_fails("\"generation\":17", "\"generation\":-1",
		      "inventory.generation");
	mutated_fails("\"generation\":17,", "\"generation\":17,\"x\":1,",
		      "inventory: ");
	mutated_fails("\"name\":\"ens1f0\"", "\"name\":\"bad/name\"",
		      "pfs[0].name: \"bad/name\" is not a netdev name");
	mutated_fails("\"name\":\"ens2f0\"", "\"name\":\"ens1f0\"",
		      "pfs[1].name: PF \"ens1f0\" listed twice");
	mutated_fails("\"pci\":\"0000:3b:00.0\"", "\"pci\":\"3b:00.0\"",
		      "pfs[0].pci: \"3b:00.0\" is not a PCI address");
	mutated_fails("\"capacity_mbps\":90000", "\"capacity_mbps\":-5",
		      "pfs[0].capacity_mbps: -5 is outside");
	mutated_fails("\"vfs_total\":2", "\"vfs_total\":3",
		      "pfs[0].vfs_total: 3, but 2 VFs are listed");
	mutated_fails("\"vfs_free\":1", "\"vfs_free\":2",
		      "pfs[0].vfs_free: 2, but 1 listed VFs");
	mutated_fails("\"reserved_mbps\":15000", "\"reserved_mbps\":0",
		      "pfs[0].reserved_mbps: 0, but the VFs' min_tx_rate add "
		      "up to 15000");
	mutated_fails("\"min_tx_rate\":15000", "\"min_tx_rate\":25000",
		      "pfs[0].vfs[0]: min_tx_rate 25000 above max_tx_rate");
	mutated_fails("\"max_tx_rate\":20000", "\"max_tx_rate\":1.5",
		      "pfs[0].vfs[0]: ");
	mutated_fails("\"index\":1", "\"index\":0",
		      "pfs[0].vfs[1].index: VFs must be listed in increasing");
	mutated_fails("\"netdev\":\"ens1f0v1\"",
		      "\"netdev\":\"a-name-too-long-for-linux\"",
		      "pfs[0].vfs[1].netdev");
	mutated_fails("\"pod\":\"pod1\"", "\"pod\":\"\"",
		      "pfs[0].vfs[0].owner.pod: must not be empty");
	mutated_fails("\"pod\":\"pod1\",", "",
		      "pfs[0].vfs[0].owner: ");
	mutated_fails("\"allocated\":true", "\"allocated\":false",
		      "pfs[0].vfs[0].owner: set on a VF that is not allocated");
	mutated_fails("\"vfs\":[]", "\"vfs\":{}", "pfs[1].vfs: not an array");
	mutated_fails("\"pfs\":[", "\"pfs\":7,\"x\":[", "inventory: ");
	mutated_fails("\"min_rate_supported\":true",
		      "\"min_rate_supported\":1", "pfs[0]: ");
	mutated_fails("\"device\":\"mlx5_2\"", "\"device\":\"\"",
		      "pfs[0].vfs[0].rdma.device: must not be empty");
	mutated_fails("[\"uverbs2\"]", "[\"../uverbs2\"]",
		      "pfs[0].vfs[0].rdma.char_devices[0]: expected a device");
	mutated_fails("\"char_devices\":", "\"x\":1,\"char_devices\":",
		      "pfs[0].vfs[0].rdma: ");
}

/* A VF that cannot be handed out, and records the daemon cannot read. */
static void test_unavailable(void **state)
{
	struct kr_inventory *inv = sample(), *back = NULL;
	struct kr_err err = { 0 };
	char *a, *b;

	snprintf(inv->pfs[0].vfs[1].unavailable,
		 sizeof(inv->pfs[0].vfs[1].unavailable),
		 "no netdev on the host");
	inv->unreadable_records = 2;
	kr_inv_pf_update_totals(&inv->pfs[0]);
	assert_int_equal(inv->pfs[0].vfs_free, 0);
	a = dump(inv);
	assert_non_null(strstr(a, "\"owner\":null,\"unavailable\":"
				  "\"no netdev on the host\"}"));
	assert_non_null(strstr(a, "\"unreadable_records\":2"));
	if (kr_inventory_parse(a, strlen(a), &back, &err) < 0)
		fail_msg("%s", err.msg);
	b = dump(back);
	assert_string_equal(a, b);
	assert_int_equal(back->unreadable_records, 2);
	assert_int_equal(back->pfs[0].vfs_free, 0);
	free(a);
	free(b);
	kr_inventory_free(back);
	kr_inventory_free(inv);
	/* never on an allocated VF, never empty */
	mutated_fails("\"owner\":{\"namespace\"",
		      "\"unavailable\":\"x\",\"owner\":{\"namespace\"",
		      "pfs[0].vfs[0].unavailable: set on an allocated VF");
	mutated_fails("\"allocated\":false,\"owner\":null",
		      "\"allocated\":false,\"owner\":null,"
		      "\"unavailable\":\"\"",
		      "pfs[0].vfs[1].unavailable: must not be empty");
	mutated_fails("\"generation\":17,",
		      "\"generation\":17,\"unreadable_records\":-1,",
		      "inventory.unreadable_records: out of range");
}

static void test_not_json(void **state)
{
	struct kr_inventory *inv = NULL;
	struct kr_err err = { 0 };

	assert_int_equal(kr_inventory_parse("{\"node\":", 8, &inv, &err),
			 -EINVAL);
	assert_non_null(strstr(err.msg, "inventory: not JSON"));
	assert_int_equal(kr_inventory_parse("{\"node\":\"a\",\"node\":\"b\"}",
					    23, &inv, &err), -EINVAL);
	assert_int_equal(kr_inventory_parse("[]", 2, &inv, &err), -EINVAL);
	assert_null(inv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test(test_not_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
