# --conv on train/verify/figures/bench: validation, provenance, run keys (tests/conv_path.sh).
add_test(NAME conv_path_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/conv_path.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(conv_path_cli PROPERTIES LABELS "unit;nn" TIMEOUT 120)
