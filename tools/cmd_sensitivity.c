/* cmd_sensitivity.c: the sensitivity commands (sweep, tornado, morris, sobol). */
#include "cli.h"

const cli_command cli_sensitivity_commands[] = {
    {NULL, NULL, NULL, NULL, 0},
};
