# Resume across run identities: a record made under another --seed, preset, --dataset
# or record format is redone and replaced, never judged with this call's (tests/resume_identity.sh).
add_test(NAME resume_identity COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/resume_identity.sh ${OVERPARAM_BIN})
set_tests_properties(resume_identity PROPERTIES LABELS "cli;theorem" TIMEOUT 180)
