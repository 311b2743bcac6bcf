/* The convolution path by name, for the CLI and for provenance (nn.h, nn_conv_path).
 * A model's path is its config's `conv`, carried into every conv layer's shape
 * (nn_conv_shape.path) and read by nn_conv_use_direct (conv_direct.c). */
#include <string.h>

#include "core/op_error.h"
#include "nn.h"

static const char *const conv_names[] = {[NN_CONV_AUTO] = "auto", [NN_CONV_IM2COL] = "im2col",
                                         [NN_CONV_DIRECT] = "direct"};

int nn_conv_path_parse(const char *name, nn_conv_path *out)
{
    for (int i = 0; i < (int)(sizeof conv_names / sizeof *conv_names); i++)
        if (name && strcmp(name, conv_names[i]) == 0) {
            *out = (nn_conv_path)i;
            return OP_OK;
        }
    OP_ERROR(OP_EUSAGE, "--conv '%s' is unknown; allowed: auto, im2col, direct", name ? name : "");
}

const char *nn_conv_path_name(nn_conv_path p)
{
    return (int)p >= 0 && (int)p < (int)(sizeof conv_names / sizeof *conv_names) ? conv_names[p]
                                                                                 : "unknown";
}
