/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the configuration parser (kr_config_parse). */
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_config *cfg = NULL;
	struct kr_err err = { 0 };

	if (kr_config_parse((const char *)data, size, "fuzz.conf", &cfg,
			    &err) == 0)
		kr_config_free(cfg);
	return 0;
}
