# Small wrappers so each part's CMakeLists.txt stays a few lines
# (the idea of rdma-core's buildlib/rdma_functions.cmake).

# kr_add_backend(NAME SOURCES... [LIBS libs...])
# Builds backends/NAME as a MODULE library NAME.so in the build tree's
# backend directory, exporting only the ABI entry symbol.
function(kr_add_backend name)
	cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
	add_library(kr-backend-${name} MODULE ${ARG_SOURCES})
	set_target_properties(kr-backend-${name} PROPERTIES
		OUTPUT_NAME ${name} PREFIX ""
		LIBRARY_OUTPUT_DIRECTORY "${KR_BUILD_BACKEND_DIR}"
		C_VISIBILITY_PRESET hidden)
	target_include_directories(kr-backend-${name} PRIVATE
		"${PROJECT_SOURCE_DIR}/core/include")
	target_link_libraries(kr-backend-${name} PRIVATE ${ARG_LIBS})
	# Backends get everything from the core through the services table,
	# never through symbols of the program that loads them.
	target_link_options(kr-backend-${name} PRIVATE
		-Wl,--no-undefined
		"-Wl,--version-script=${PROJECT_SOURCE_DIR}/backends/backend.map")
	install(TARGETS kr-backend-${name}
		LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/${KR_BACKEND_SUBDIR}")
endfunction()

# kr_add_program(NAME SOURCES... [LIBS libs...] [DESTINATION dir])
# LIBS names the core's layers the program uses (kr-core: all of them).
function(kr_add_program name)
	cmake_parse_arguments(ARG "" "DESTINATION" "SOURCES;LIBS" ${ARGN})
	if(NOT ARG_DESTINATION)
		set(ARG_DESTINATION "${CMAKE_INSTALL_BINDIR}")
	endif()
	add_executable(${name} ${ARG_SOURCES})
	target_link_libraries(${name} PRIVATE ${ARG_LIBS})
	# the test build's fake kernels go where the kernel layer goes
	if(KR_TEST_FAKES AND ("kr-core" IN_LIST ARG_LIBS OR
			       "kr-kernel" IN_LIST ARG_LIBS))
		target_link_libraries(${name} PRIVATE kr-test-kernel)
	endif()
	target_link_options(${name} PRIVATE -pie -Wl,--no-undefined)
	install(TARGETS ${name} RUNTIME DESTINATION "${ARG_DESTINATION}")
endfunction()
