# m1 (Group M checks): overparam compare on manifold-rate with one manifold and one D.
add_test(NAME m1_compare COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/m1_compare.sh ${OVERPARAM_BIN}
         ${CMAKE_CURRENT_BINARY_DIR}/m1-compare-out)
set_tests_properties(m1_compare PROPERTIES LABELS theorem TIMEOUT 180)
