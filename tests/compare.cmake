# overparam compare on manifold-rate with one manifold and one D: the table row, CSV and
# figure, and its usage errors (tests/compare_cli.sh).
add_test(NAME compare_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/compare_cli.sh ${OVERPARAM_BIN}
         ${CMAKE_CURRENT_BINARY_DIR}/compare-cli-out)
set_tests_properties(compare_cli PROPERTIES LABELS theorem TIMEOUT 180)
