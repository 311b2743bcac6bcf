/* The engine's GEMMs must run on OpenBLAS. GSL's link interface also brings
 * libgslcblas (the slow reference CBLAS, which exports the same cblas_* symbols); if it
 * comes first in the link order, the dynamic linker binds cblas_sgemm to it and training
 * runs 3-10x slower, silently. This test names the library that cblas_sgemm resolved to. */
#define _GNU_SOURCE
#include <cblas.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "test_util.h"

int main(void)
{
    Dl_info s, d;
    int ok = dladdr((void *)cblas_sgemm, &s) && dladdr((void *)cblas_dgemm, &d);
    CHECK(ok, "dladdr finds cblas_sgemm");
    if (ok) {
        printf("cblas_sgemm from %s\ncblas_dgemm from %s\n", s.dli_fname, d.dli_fname);
        CHECK(strstr(s.dli_fname, "openblas") != NULL,
              "cblas_sgemm resolves to OpenBLAS, not %s (fix: link PkgConfig::OPENBLAS before "
              "GSL::gsl in CMakeLists.txt)",
              s.dli_fname);
        CHECK(strstr(d.dli_fname, "openblas") != NULL, "cblas_dgemm resolves to OpenBLAS, not %s",
              d.dli_fname);
    }
    return test_summary("test_nn_blas");
}
