/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hkfilter: the hotkey-sequence filter of HOTKEYS.md §3 (protocol version 1).
 *
 * Contract:
 * - A byte-stream state machine over console input, fed in chunks of any
 *   size and split anywhere. Bytes that are not part of a hotkey sequence
 *   come out unchanged and in order. A prefix of the introducer
 *   "ESC _ X C M U X ; 1 ;" (and the key/id/terminator that follow) is held
 *   back until it either completes into a valid sequence
 *       ESC _ X C M U X ; 1 ; <K> ; <ID> ESC \
 *   (K in [0-9A-Za-z], ID 1..4294967295 in 1-10 digits, no leading zero),
 *   which is consumed and reported as a hotkey, or diverges, in which case
 *   the held bytes are released unchanged and the diverging byte is
 *   examined afresh (an ESC there may start a new sequence).
 * - Portable, freestanding C99: no allocation, no libc beyond
 *   memcpy/memset, only <stddef.h>/<stdint.h>. The state is a plain struct
 *   the caller embeds (about 48 bytes); the functions never fail and never
 *   block. Suitable for a Windows kernel driver (XENCONS) or a daemon.
 * - Not thread-safe: one struct hkf per input stream, serialised by the
 *   caller.
 *
 * Guest use (console input driver):
 *     struct hkf f; hkf_init(&f);
 *     on input (in, len):
 *       while (len) {
 *         uint8_t out[CHUNK + HKF_MAX_SEQ]; size_t outlen; struct hkf_hotkey hk; int have;
 *         size_t n = hkf_feed(&f, in, len < CHUNK ? len : CHUNK, out, &outlen, &hk, &have);
 *         deliver(out, outlen);             // to the shell / tty, before the hotkey
 *         if (have) run_hotkey(hk.key, hk.id);
 *         in += n; len -= n;
 *       }
 *       if (hkf_held(&f)) arm_timer(HOLD_MS);   // e.g. 100-500 ms
 *     on the timer: outlen = hkf_flush(&f, out); deliver(out, outlen);
 *   The timer stops a lone ESC typed by a user (Esc key in an editor) from
 *   being held until the next key. Because the daemon never splits a
 *   sequence (one producer-index update), flushing whenever the input ring
 *   has been drained is also correct and needs no timer; a timer also
 *   copes with a backend that splits writes. The simulated XENCONS guest
 *   (sim/guest/hkagent.c) uses a 300 ms timer.
 *
 * Daemon use (user input, "never forged"): run one filter per console over
 * everything users type. Pass-through bytes go to the ring; a reported
 * hotkey is a forgery: drop it (its bytes are not in out) and tell the
 * session. To keep a lone ESC from lagging, call hkf_release() on a short
 * idle timer rather than hkf_flush(): it releases the held bytes but keeps
 * matching, so a sequence a user completes later is still reported (with
 * released_prefix > 0) and its remaining bytes are never written. To drop
 * an unfinished introducer instead (e.g. when the session goes away), test
 * hkf_holding_introducer() and call hkf_discard().
 */
#ifndef XCMUX_PROTOCOL_HKFILTER_H
#define XCMUX_PROTOCOL_HKFILTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on a hotkey sequence (HOTKEYS.md §3); the longest valid one
 * is 24 bytes. Also the most bytes a filter ever holds. */
#define HKF_MAX_SEQ 32

/* "ESC _ X C M U X": the part of the introducer that names the protocol
 * (any version); what hkf_contains_introducer() looks for. */
#define HKF_INTRODUCER     "\x1b_XCMUX"
#define HKF_INTRODUCER_LEN 7

struct hkf_hotkey {
    uint8_t key;            /* [0-9A-Za-z] */
    uint32_t id;            /* 1..4294967295 */
    size_t released_prefix; /* bytes of this sequence hkf_release() already let out; 0 normally */
};

/* Opaque in spirit: callers only embed it and pass it to the functions. */
struct hkf {
    uint8_t held[HKF_MAX_SEQ];
    uint8_t held_len; /* bytes of the current candidate still held back */
    uint8_t released; /* bytes of the current candidate let out by hkf_release */
    uint8_t state;
    uint8_t pos; /* index into the fixed part "ESC _XCMUX;1;" */
    uint8_t key;
    uint8_t ndigits;
    uint32_t id;
};

void hkf_init(struct hkf *f);

/*
 * Consume input. Writes the pass-through bytes to out (capacity MUST be at
 * least len + HKF_MAX_SEQ) and their count to *outlen. Returns the number
 * of input bytes consumed: all of len, unless a hotkey sequence completes,
 * in which case it stops right after it, sets *have_hotkey = 1 and fills
 * *hk, so the caller can act before the bytes that follow. Otherwise
 * *have_hotkey = 0. With len > 0 it consumes at least one byte.
 */
size_t hkf_feed(struct hkf *f, const uint8_t *in, size_t len, uint8_t *out, size_t *outlen,
                struct hkf_hotkey *hk, int *have_hotkey);

/* Release the held bytes (at most HKF_MAX_SEQ) to out and return their
 * count; the filter starts afresh. */
size_t hkf_flush(struct hkf *f, uint8_t *out);

/* Release the held bytes to out but keep matching the candidate (daemon
 * use, see above). Returns the count written, at most HKF_MAX_SEQ. */
size_t hkf_release(struct hkf *f, uint8_t *out);

/* Forget the held bytes without releasing them; the filter starts afresh. */
void hkf_discard(struct hkf *f);

/* Number of bytes currently held back. */
size_t hkf_held(const struct hkf *f);

/* 1 if the current candidate has matched at least "ESC _XCMUX" (held or
 * released), i.e. input is in the middle of an introducer, else 0. */
int hkf_holding_introducer(const struct hkf *f);

/* 1 if buf contains "ESC _XCMUX" anywhere (stateless check of one
 * buffer; use hkf_feed for streams), else 0. */
int hkf_contains_introducer(const uint8_t *buf, size_t len);

/* Encode the sequence for key/id into out (HKF_MAX_SEQ bytes). Returns its
 * length, or 0 if key is not [0-9A-Za-z] or id is 0. */
size_t hkf_encode(uint8_t key, uint32_t id, uint8_t *out);

/* 1 if key may appear in a sequence ([0-9A-Za-z]), else 0. */
int hkf_valid_key(uint8_t key);

#ifdef __cplusplus
}
#endif

#endif
