# libFuzzer harnesses (tests/fuzz/fuzz_*.c), label "fuzz". They are compiled by clang
# directly (custom commands), whatever compiler builds the project, because libFuzzer
# ships with clang only (Debian: clang-14 + libclang-rt-14-dev). Without clang or the
# libFuzzer runtime the fuzz tests still exist and report "skipped" (exit 77).
# Each ctest run fuzzes for OP_FUZZ_SECONDS from the committed seed corpus; any crash,
# sanitizer report, leak or timeout fails it (tests/data_fuzz.sh).
set(OP_FUZZ_SECONDS 10 CACHE STRING "Seconds each fuzz test runs under ctest")
set(OP_FUZZ_RUNS 2000000 CACHE STRING "Cap on executions per fuzz test under ctest")
set(OP_FUZZ_HARNESSES args idx)
set(OP_FUZZ_SRC_args tests/fuzz/fuzz_args.c src/core/args.c src/core/error.c)
set(OP_FUZZ_SRC_idx tests/fuzz/fuzz_idx.c src/data/idx.c src/data/dataset.c src/data/imageset.c
                    src/core/rng.c src/core/error.c)

set(OP_FUZZ_SKIP "")
if(CMAKE_C_COMPILER_ID STREQUAL "Clang")
  set(OP_FUZZ_CLANG ${CMAKE_C_COMPILER})
else()
  find_program(OP_FUZZ_CLANG NAMES clang clang-19 clang-18 clang-17 clang-16 clang-15 clang-14)
endif()
if(NOT OP_FUZZ_CLANG)
  set(OP_FUZZ_SKIP "clang not found (install the Debian packages clang-14 and libclang-rt-14-dev)")
else()
  # clang may be there without its libFuzzer runtime: link a trivial harness once.
  set(probe_dir ${CMAKE_BINARY_DIR}/fuzz/probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.c
       "#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${OP_FUZZ_CLANG} -fsanitize=fuzzer,address,undefined ${probe_dir}/probe.c
                          -o ${probe_dir}/probe
                  RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT probe_rc EQUAL 0)
    set(OP_FUZZ_SKIP "${OP_FUZZ_CLANG} cannot link -fsanitize=fuzzer (install the Debian package libclang-rt-14-dev)")
  endif()
endif()
if(OP_FUZZ_SKIP)
  message(STATUS "fuzz tests: skipped: ${OP_FUZZ_SKIP}")
else()
  message(STATUS "fuzz tests: libFuzzer harnesses built with ${OP_FUZZ_CLANG}")
endif()

file(GLOB OP_FUZZ_HEADERS ${CMAKE_SOURCE_DIR}/src/core/*.h ${CMAKE_SOURCE_DIR}/src/data/*.h)
foreach(h ${OP_FUZZ_HARNESSES})
  set(bin ${CMAKE_BINARY_DIR}/fuzz/fuzz_${h})
  if(OP_FUZZ_SKIP)
    set(bin "-")
  else()
    set(srcs "")
    foreach(s ${OP_FUZZ_SRC_${h}})
      list(APPEND srcs ${CMAKE_SOURCE_DIR}/${s})
    endforeach()
    add_custom_command(
      OUTPUT ${bin}
      COMMAND ${OP_FUZZ_CLANG} -g -O1 -std=gnu11 -Wall -Wextra -Wno-unused-parameter
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
              -I${CMAKE_SOURCE_DIR}/src -I${CMAKE_SOURCE_DIR} ${srcs} -lz -lm -o ${bin}
      DEPENDS ${srcs} ${OP_FUZZ_HEADERS}
      COMMENT "Building libFuzzer harness fuzz_${h} with clang"
      VERBATIM)
    add_custom_target(fuzz_${h} ALL DEPENDS ${bin})
  endif()
  add_test(NAME fuzz_${h}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/data_fuzz.sh ${bin}
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/${h} ${CMAKE_BINARY_DIR}/fuzz/run_${h}
                   ${OP_FUZZ_SECONDS} ${OP_FUZZ_RUNS} "${OP_FUZZ_SKIP}")
  math(EXPR fuzz_timeout "${OP_FUZZ_SECONDS} + 120")
  set_tests_properties(fuzz_${h} PROPERTIES LABELS fuzz TIMEOUT ${fuzz_timeout} SKIP_RETURN_CODE 77)
endforeach()
