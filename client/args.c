// SPDX-License-Identifier: GPL-2.0-or-later
/* args.c - shared subcommand argument parsing (args.h). */
#include "client/args.h"

#include <getopt.h>
#include <string.h>

#include "client/client.h"
#include "client/text.h"
#include "protocol/xcmux-proto.h"

static const struct option opts[] = {
    {"console", required_argument, NULL, 'c'}, {"serial", optional_argument, NULL, 's'},
    {"json", no_argument, NULL, 'j'},          {"bytes", required_argument, NULL, 'b'},
    {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
};

int xc_parse_args(const char *sub, int argc, char **argv, unsigned allowed, int npos,
                  struct xc_args *out)
{
    uint64_t v;
    int c;

    memset(out, 0, sizeof(*out));
    out->bytes = XP_LOG_ALL;
    optind = 0;
    opterr = 0; /* we name the bad option ourselves */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            if (!(allowed & XC_OPT_CONSOLE))
                goto bad_opt;
            if (!xc_parse_uint(optarg, UINT32_MAX, &v))
                return xc_usage_error(sub, "invalid --console '%s'", optarg);
            out->console = (uint32_t)v;
            break;
        case 's':
            if (!(allowed & XC_OPT_CONSOLE))
                goto bad_opt;
            if (!xc_parse_serial(optarg, &out->console))
                return xc_usage_error(sub, "invalid --serial '%s' (0..%u)", optarg,
                                      XP_CONSOLE_SERIAL_MAX - 1);
            break;
        case 'j':
            if (!(allowed & XC_OPT_JSON))
                goto bad_opt;
            out->json = true;
            break;
        case 'b':
            if (!(allowed & XC_OPT_BYTES))
                goto bad_opt;
            if (!xc_parse_uint(optarg, UINT32_MAX - 1, &v))
                return xc_usage_error(sub, "invalid --bytes '%s'", optarg);
            out->bytes = (uint32_t)v;
            break;
        case 'h':
            xc_print_help(sub);
            return XC_ARGS_HELP;
        default:
            goto bad_opt;
        }
    }
    if (argc - optind != npos)
        return xc_usage_error(sub, npos == 0   ? "takes no arguments"
                                   : npos == 1 ? "expected DOMAIN"
                                               : "expected DOMAIN and KEY");
    for (int i = 0; i < npos; i++)
        out->pos[i] = argv[optind + i];
    if (npos >= 1 && (!*out->pos[0] || strlen(out->pos[0]) > XP_MAX_DOMAIN_NAME))
        return xc_usage_error(sub, "DOMAIN must be 1..%u bytes", XP_MAX_DOMAIN_NAME);
    return XC_ARGS_OK;
bad_opt:
    return xc_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
}
