# CLI checks of `overparam kernel` (analytic NTK regression from CSV files).
add_test(NAME kernel_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/kernel_cli.sh ${OVERPARAM_BIN})
set_tests_properties(kernel_cli PROPERTIES LABELS "unit;cli" TIMEOUT 60)
