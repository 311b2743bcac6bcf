# Faults, bad input, MPI and valgrind tests (docs/faults.md).
add_executable(badinput_dataset ${CMAKE_CURRENT_SOURCE_DIR}/badinput_dataset.c)
target_link_libraries(badinput_dataset PRIVATE overparam_lib)
add_test(NAME badinput_table
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/badinput.sh ${OVERPARAM_SELFTEST_BIN}
                 $<TARGET_FILE:badinput_dataset> ${CMAKE_CURRENT_SOURCE_DIR}/badinput.tsv)
set_tests_properties(badinput_table PROPERTIES LABELS "cli;faults" TIMEOUT 120)

# A sweep killed with SIGKILL at random moments resumes without losing or
# corrupting a record and ends with the uninterrupted verdict.
add_test(NAME faults_kill COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/faults_kill.sh ${OVERPARAM_SELFTEST_BIN} 12)
set_tests_properties(faults_kill PROPERTIES LABELS "cli;faults" TIMEOUT 180)
# NaN/Inf runs: reported with their key, counted as failed, never averaged.
add_test(NAME faults_diverge COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/faults_diverge.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(faults_diverge PROPERTIES LABELS "cli;faults" TIMEOUT 60)
# Unwritable --out, read-only file system, disk full mid-sweep: one line, exit 3.
add_test(NAME faults_io COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/faults_io.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(faults_io PROPERTIES LABELS "cli;faults" TIMEOUT 120)

# mpirun -np 2 gives the records of a one-process run; skipped (77) without MPI.
if(OVERPARAM_MPI)
  set(op_mpiexec "${MPIEXEC_EXECUTABLE}")
else()
  set(op_mpiexec "")
endif()
add_test(NAME faults_mpi
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/faults_mpi.sh ${OVERPARAM_SELFTEST_BIN} "${OVERPARAM_MPI}" "${op_mpiexec}")
set_tests_properties(faults_mpi PROPERTIES LABELS "cli;faults;mpi" TIMEOUT 300 SKIP_RETURN_CODE 77)

# Every unit test under valgrind memcheck (label valgrind), at OP_TEST_SCALE=small:
# any error fails it (--error-exitcode), and so does a definite leak. Registered only
# in builds valgrind can run: OVERPARAM_NATIVE=OFF (valgrind does not decode the
# AVX-512 that -march=native may emit) and OVERPARAM_SANITIZE=OFF (ASan and valgrind
# do not mix); .ci/run makes such a build (build-check/). tests/valgrind.supp holds the
# suppressions for library frames (libgomp, OpenBLAS), none for ours.
find_program(OP_VALGRIND valgrind)
set(OP_VALGRIND_TESTS all CACHE STRING "Unit tests run under valgrind (ctest -L valgrind): all, or a list")
if(OP_VALGRIND_TESTS STREQUAL "all")
  set(op_vg_tests ${OP_UNIT_TEST_NAMES})
else()
  set(op_vg_tests ${OP_VALGRIND_TESTS})
endif()
foreach(t ${op_vg_tests})
  if(OP_VALGRIND AND NOT OVERPARAM_SANITIZE AND NOT OVERPARAM_NATIVE AND TARGET ${t})
    add_test(NAME valgrind_${t}
             COMMAND ${OP_VALGRIND} --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
                     --track-origins=no --quiet --suppressions=${CMAKE_CURRENT_SOURCE_DIR}/valgrind.supp
                     $<TARGET_FILE:${t}>)
    set_tests_properties(valgrind_${t} PROPERTIES LABELS valgrind TIMEOUT 600
                         ENVIRONMENT "OMP_NUM_THREADS=1;OPENBLAS_NUM_THREADS=1;OP_TEST_SCALE=small")
  endif()
endforeach()
