# asof_cc_library(NAME name SRCS ... DEPS ...)
function(asof_cc_library)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(${A_NAME} STATIC ${A_SRCS})
  target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${A_NAME} PUBLIC ${A_DEPS})
endfunction()

# asof_cc_test(NAME name SRCS ... DEPS ... [LABELS ...] [TIMEOUT seconds])
# One GoogleTest binary registered with ctest as a whole: gtest_discover_tests would
# run one process per test case, which is slow on a 2-core machine.
function(asof_cc_test)
  cmake_parse_arguments(A "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} asof_test_util GTest::gtest GTest::gtest_main
                                          asof_malloc)
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  set_tests_properties(${A_NAME} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}")
endfunction()

# asof_cc_binary(NAME name SRCS ... DEPS ...)
function(asof_cc_binary)
  cmake_parse_arguments(A "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${A_NAME} ${A_SRCS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} asof_malloc)
endfunction()

# asof_gcc_sanitizer_quirks(target)
# GCC 12 with -fsanitize and -O3 reports false -Wmaybe-uninitialized inside system headers
# once inlined (libstdc++'s <regex>, Beast's HTTP parser); silenced only there, only in
# sanitizer builds: the Release build keeps the warning.
function(asof_gcc_sanitizer_quirks target)
  if(ASOF_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
