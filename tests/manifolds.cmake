# CLI tests of the manifolds area (overparam manifolds / sample).
add_test(NAME mf_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mf_cli.sh ${OVERPARAM_BIN})
set_tests_properties(mf_cli PROPERTIES LABELS unit TIMEOUT 120)
