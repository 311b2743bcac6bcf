# nn area: CLI-driven tests (train flag validation, thread determinism, interop dumps).
add_test(NAME nn_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/nn_cli.sh ${OVERPARAM_BIN})
set_tests_properties(nn_cli PROPERTIES LABELS "unit;nn" TIMEOUT 120)
add_test(NAME nn_determinism COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/nn_determinism.sh ${OVERPARAM_BIN})
set_tests_properties(nn_determinism PROPERTIES LABELS "unit;nn" TIMEOUT 180)
add_test(NAME nn_interop COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/nn_interop.sh ${OVERPARAM_BIN})
set_tests_properties(nn_interop PROPERTIES LABELS "unit;nn" TIMEOUT 180 SKIP_RETURN_CODE 77)
# Thread-count determinism with OpenBLAS's AVX2 (Haswell) kernels, which give different
# bits for 1 and 2 BLAS threads: catches a GEMM left to OpenBLAS's own threading.
add_test(NAME nn_conv_haswell COMMAND test_nn_conv)
set_tests_properties(nn_conv_haswell PROPERTIES LABELS "unit;nn" TIMEOUT 120
                     ENVIRONMENT "OPENBLAS_CORETYPE=Haswell;OVERPARAM_NO_BLAS_FIX=1")
# The kernels' instruction-set dispatch end to end: avx512 and avx2 train to identical
# bits, OVERPARAM_ISA errors (skips, 77, where the CPU does not run both sets).
add_test(NAME nn_isa COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/nn_isa.sh ${OVERPARAM_BIN})
set_tests_properties(nn_isa PROPERTIES LABELS "unit;nn" TIMEOUT 180 SKIP_RETURN_CODE 77)
add_test(NAME pipe_cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/pipe_cli.sh ${OVERPARAM_BIN})
set_tests_properties(pipe_cli PROPERTIES LABELS "unit;cli" TIMEOUT 120)
