/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

const char *kr_default_backend_dir(void)
{
	static const char build_root[] = KR_BUILD_ROOT "/";
	char exe[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (!strncmp(exe, build_root, sizeof(build_root) - 1))
			return KR_BUILD_BACKEND_DIR;
	}
	return KR_INSTALL_BACKEND_DIR;
}
