// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - xcmux entry point; the program is xcmux_main() (client.h). */
#include "client/client.h"

int main(int argc, char **argv)
{
    return xcmux_main(argc, argv);
}
