# Theorem checks as CTest tests (label "theorem"), one group per line of
# theorems/checks.list (parsed at configure time by cmake/checks.cmake into OP_CHECKS_*;
# that file describes the tests a line registers), then the test-only checks of
# tests/selftest/checks.list that have a grade, run with overparam-selftest.
# Each test starts from an empty output directory, so old records never stand in
# for new code.

# theorem:<id> expects <grade> (PASS exit 0; a finding's FAIL exit 1 or MARGINAL exit 4:
# verify exits 0 only when every check PASSes), theorem:<id>/<control> that the control FAILs.
function(overparam_theorem bin id grade)
  if(grade STREQUAL "PASS")
    set(code 0)
  elseif(grade STREQUAL "FAIL")
    set(code 1)
  else() # MARGINAL (cmake/checks.cmake admits nothing else)
    set(code 4)
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/theorem-out/${id})
  add_test(NAME theorem:${id}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_theorem.sh ${bin} ${out}
                   "overparam: ${id} ${grade} " ${code} verify ${id} --quick --no-controls)
  set_tests_properties(theorem:${id} PROPERTIES LABELS theorem TIMEOUT 180)
  foreach(ctl ${ARGN})
    add_test(NAME theorem:${id}/${ctl}
             COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_theorem.sh ${bin} ${out}-${ctl}
                     "overparam: ${id}/${ctl} FAIL .*control=FAIL\\(as required\\)" 0
                     verify ${id} --quick --control ${ctl})
    # the theorem test first: the control resumes the runs it shares with it
    # (th_control.shares_main; fw_theorem.sh FW_SHARE_FROM)
    set_tests_properties(theorem:${id}/${ctl} PROPERTIES LABELS theorem TIMEOUT 180
                         DEPENDS theorem:${id} ENVIRONMENT "FW_SHARE_FROM=${out}")
  endforeach()
endfunction()

foreach(id IN LISTS OP_CHECKS_IDS)
  overparam_theorem(${OVERPARAM_BIN} ${id} ${OP_CHECKS_${id}_GRADE} ${OP_CHECKS_${id}_CONTROLS})
endforeach()
foreach(id IN LISTS OP_SELFTEST_CHECKS_IDS)
  if(NOT OP_SELFTEST_CHECKS_${id}_GRADE STREQUAL "-")
    overparam_theorem(${OVERPARAM_SELFTEST_BIN} ${id} ${OP_SELFTEST_CHECKS_${id}_GRADE}
                      ${OP_SELFTEST_CHECKS_${id}_CONTROLS})
  endif()
endforeach()

# ---- framework tests driving the CLI ----
add_test(NAME fw_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_cli.sh ${OVERPARAM_BIN} ${OVERPARAM_SELFTEST_BIN}
         ${CMAKE_SOURCE_DIR}/theorems/checks.list)
set_tests_properties(fw_cli PROPERTIES LABELS unit TIMEOUT 120)
add_test(NAME fw_resume COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_resume.sh ${OVERPARAM_BIN})
set_tests_properties(fw_resume PROPERTIES LABELS theorem TIMEOUT 180)
add_test(NAME fw_determinism COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_determinism.sh ${OVERPARAM_BIN})
set_tests_properties(fw_determinism PROPERTIES LABELS theorem TIMEOUT 180)
add_test(NAME fw_preflight COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_preflight.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(fw_preflight PROPERTIES LABELS unit TIMEOUT 120)
add_test(NAME records_recipe COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/records_recipe.sh ${OVERPARAM_SELFTEST_BIN}
         ${CMAKE_SOURCE_DIR}/docs/outputs.md)
set_tests_properties(records_recipe PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77)
# the cumulative report: two verify calls into one --out, quick and full rows, escaping
add_test(NAME fw_report COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_report.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(fw_report PROPERTIES LABELS unit TIMEOUT 120)
# report.html in headless chromium at 1280 px: no horizontal scroll, every figure loads
# (skipped without chromium or gnuplot; bash .ci/setup --tests installs chromium)
add_test(NAME fw_report_browser COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/fw_report_browser.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(fw_report_browser PROPERTIES LABELS unit TIMEOUT 180 SKIP_RETURN_CODE 77)
