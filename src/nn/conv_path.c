/* The convolution path by name, for the CLI and for provenance (nn.h,
 * nn_conv_path_set). The path itself is nn_conv_path (nn_layers.h), read by every
 * float conv layer. */
#include <string.h>

#include "core/op_error.h"
#include "nn.h"
#include "nn_layers.h"

static const char *const conv_names[] = {[NN_CONV_AUTO] = "auto", [NN_CONV_TILED] = "im2col",
                                         [NN_CONV_DIRECT] = "direct"};

int nn_conv_path_set(const char *name)
{
    for (int i = 0; i < (int)(sizeof conv_names / sizeof *conv_names); i++)
        if (name && strcmp(name, conv_names[i]) == 0) {
            nn_conv_path = i;
            return OP_OK;
        }
    OP_ERROR(OP_EUSAGE, "--conv '%s' is unknown; allowed: auto, im2col, direct", name ? name : "");
}

const char *nn_conv_path_name(void)
{
    int p = nn_conv_path;
    return p >= 0 && p < (int)(sizeof conv_names / sizeof *conv_names) ? conv_names[p] : "unknown";
}
