# KR_SANITIZE=ON builds everything with ASan + UBSan.  UBSan findings abort
# (halt_on_error in the test environment) so a test cannot pass over one.
if(KR_SANITIZE)
	add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
		-fno-sanitize-recover=undefined)
	add_link_options(-fsanitize=address,undefined)
	# Backends are never unloaded under sanitizers, so leak reports keep
	# their symbols (core/backend_loader.c checks this define).
	add_compile_definitions(KR_SANITIZE=1)
endif()
