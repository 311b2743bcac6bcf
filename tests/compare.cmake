# overparam compare on manifold-rate with one manifold and one D: the table row, CSV and
# figure, and its usage errors (tests/compare_cli.sh).
add_test(NAME compare_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/compare_cli.sh ${OVERPARAM_BIN}
         ${CMAKE_CURRENT_BINARY_DIR}/compare-cli-out)
set_tests_properties(compare_cli PROPERTIES LABELS theorem TIMEOUT 180)
# compare's D-equivalence and d-contrast sections and the fixed-manifold path on the
# synthetic selftest checks (no training, < 2 s; tests/compare_pairs.sh).
add_test(NAME compare_pairs COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/compare_pairs.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(compare_pairs PROPERTIES LABELS theorem TIMEOUT 60)
