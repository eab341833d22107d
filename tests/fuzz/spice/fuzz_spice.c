/* libFuzzer entry for lgspice. Byte 0 picks the target:
 *   0: link header (16 bytes) + link reply body, then the public key inside
 *   1: main channel stream (mini header)    2: inputs channel stream
 *   3: main channel stream (full header)
 * Byte 1 is the chunk size the stream is fed in (0: all at once). After the
 * stream the client-side send functions run on whatever state it left. */
#include "lg/log.h"
#include "lgspice/ticket.h"
#include "spice_internal.h"

#include <linux/input-event-codes.h>
#include <nettle/rsa.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  lg_log_set_level(LG_LOG_FATAL);
  return 0;
}

static void cb_data(void *o, const char *t, size_t n)
{
  volatile char sink = 0;
  (void)o;
  for (size_t i = 0; i < n; ++i)
    sink ^= t[i];
  (void)sink;
}

static void fuzz_link(const uint8_t *data, size_t size)
{
  uint32_t body = 0;
  if (spice_link_parse_header(data, size, &body) != SPICE_OK)
    return;
  data += SPICE_LINK_HEADER_SIZE;
  size -= SPICE_LINK_HEADER_SIZE;
  if (body < size)
    size = body;
  struct spice_link_reply reply;
  if (spice_link_parse_reply(data, size, &reply) != SPICE_OK)
    return;
  struct rsa_public_key pub;
  rsa_public_key_init(&pub);
  spice_rsa_pubkey_from_spki(&pub, reply.pubkey, sizeof(reply.pubkey));
  rsa_public_key_clear(&pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  uint8_t mode = data[0] & 3, chunk = data[1];
  data += 2;
  size -= 2;
  if (mode == 0) {
    fuzz_link(data, size);
    return 0;
  }

  struct spice_callbacks cb = {.on_clipboard_data = cb_data};
  struct spice_session *s = spice_session_new_offline(&cb);
  if (!s)
    return 0;
  struct spice_chan *c = mode == 2 ? &s->inputs : &s->main;
  c->mini = mode != 3;
  size_t step = chunk ? chunk : size;
  for (size_t off = 0; off < size; off += step) {
    size_t n = size - off < step ? size - off : step;
    if (spice_chan_feed(s, c, data + off, n) != SPICE_OK)
      break;
  }
  spice_key_down(s, KEY_A);
  spice_mouse_motion(s, 5, 5);
  spice_mouse_wheel(s, 1);
  spice_clipboard_grab(s);
  spice_clipboard_data(s, "text", 4);
  spice_session_free_offline(s);
  return 0;
}
