# Resume across run identities: a record made under another --seed, preset, --dataset
# or record format is redone and replaced, never judged with this call's (tests/resume_identity.sh).
add_test(NAME resume_identity COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/resume_identity.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(resume_identity PROPERTIES LABELS "cli;theorem" TIMEOUT 180)
# The data set in each run's context and identity, on a check that reads it: A then B
# into one --out redoes every run and reports B alone (tests/resume_dataset.sh).
add_test(NAME resume_dataset COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/resume_dataset.sh ${OVERPARAM_SELFTEST_BIN})
set_tests_properties(resume_dataset PROPERTIES LABELS "cli;theorem" TIMEOUT 60)
