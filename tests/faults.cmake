# Faults, bad input, MPI and valgrind tests (tests/README-faults.md).
add_executable(badinput_dataset ${CMAKE_CURRENT_SOURCE_DIR}/badinput_dataset.c)
target_link_libraries(badinput_dataset PRIVATE overparam_lib)
add_test(NAME badinput_table
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/badinput.sh ${OVERPARAM_BIN}
                 $<TARGET_FILE:badinput_dataset> ${CMAKE_CURRENT_SOURCE_DIR}/badinput.tsv)
set_tests_properties(badinput_table PROPERTIES LABELS "cli;faults" TIMEOUT 120)
