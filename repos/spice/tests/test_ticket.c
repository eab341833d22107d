/* MGF1 / OAEP / SPKI parsing / ticket encryption, checked against a key pair
 * generated here with nettle from a fixed-seed generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lgspice/ticket.h"

#include <gmp.h>
#include <nettle/knuth-lfib.h>
#include <nettle/rsa.h>
#include <nettle/sha1.h>
#include <string.h>

static struct rsa_public_key pub;
static struct rsa_private_key priv;

static int setup_key(void **state)
{
  (void)state;
  struct knuth_lfib_ctx rnd;
  knuth_lfib_init(&rnd, 4711);
  rsa_public_key_init(&pub);
  rsa_private_key_init(&priv);
  mpz_set_ui(pub.e, 65537);
  if (!rsa_generate_keypair(&pub, &priv, &rnd, (nettle_random_func *)knuth_lfib_random, NULL, NULL,
                            1024, 0))
    return -1;
  return 0;
}

static int teardown_key(void **state)
{
  (void)state;
  rsa_public_key_clear(&pub);
  rsa_private_key_clear(&priv);
  return 0;
}

/* ---- a tiny DER writer for the test's SubjectPublicKeyInfo ---- */
static size_t der_len(uint8_t *p, size_t n)
{
  if (n < 0x80) {
    p[0] = (uint8_t)n;
    return 1;
  }
  if (n < 0x100) {
    p[0] = 0x81;
    p[1] = (uint8_t)n;
    return 2;
  }
  p[0] = 0x82;
  p[1] = (uint8_t)(n >> 8);
  p[2] = (uint8_t)n;
  return 3;
}

static size_t der_wrap(uint8_t *out, uint8_t tag, const uint8_t *content, size_t n)
{
  out[0] = tag;
  size_t h = 1 + der_len(out + 1, n);
  memmove(out + h, content, n);
  return h + n;
}

static size_t der_int(uint8_t *out, const mpz_t v)
{
  uint8_t buf[300];
  size_t n = 0;
  buf[0] = 0;
  mpz_export(buf + 1, &n, 1, 1, 0, 0, v);
  const uint8_t *c = (buf[1] & 0x80) ? buf : buf + 1;
  return der_wrap(out, 0x02, c, (buf[1] & 0x80) ? n + 1 : n);
}

static size_t make_spki(uint8_t *out, const uint8_t *oid, size_t oid_len)
{
  uint8_t ints[400], rsakey[400], bits[400], alg[64], body[600];
  size_t n = der_int(ints, pub.n);
  n += der_int(ints + n, pub.e);
  size_t rk = der_wrap(rsakey, 0x30, ints, n);
  bits[0] = 0; /* no unused bits */
  memcpy(bits + 1, rsakey, rk);
  uint8_t a[32];
  size_t an = der_wrap(a, 0x06, oid, oid_len);
  a[an++] = 0x05;
  a[an++] = 0x00;
  size_t al = der_wrap(alg, 0x30, a, an);
  memcpy(body, alg, al);
  size_t bl = al + der_wrap(body + al, 0x03, bits, rk + 1);
  return der_wrap(out, 0x30, body, bl);
}

static const uint8_t rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};

/* ---- MGF1: each block is SHA-1(seed || counter) ---- */
static void sha1_counter(const uint8_t *seed, size_t n, uint32_t counter, uint8_t out[20])
{
  struct sha1_ctx c;
  uint8_t ctr[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                    (uint8_t)counter};
  sha1_init(&c);
  sha1_update(&c, n, seed);
  sha1_update(&c, 4, ctr);
  sha1_digest(&c, 20, out);
}

static void test_mgf1(void **state)
{
  (void)state;
  const uint8_t seed[] = "spice mgf1 seed";
  uint8_t out[45], shorter[7], block[20];
  spice_mgf1_sha1(seed, sizeof(seed) - 1, out, sizeof(out));
  for (uint32_t i = 0; i < 3; ++i) {
    sha1_counter(seed, sizeof(seed) - 1, i, block);
    size_t n = i < 2 ? 20 : 5;
    assert_memory_equal(out + 20 * i, block, n);
  }
  spice_mgf1_sha1(seed, sizeof(seed) - 1, shorter, sizeof(shorter));
  assert_memory_equal(out, shorter, sizeof(shorter));
}

/* Decodes EM per RFC 8017 7.1.2 step 3; returns the message length or -1. */
static int oaep_decode(const uint8_t *em, size_t k, uint8_t *msg)
{
  uint8_t seed[20], db[128], mask[128];
  size_t db_len = k - 21;
  if (em[0] != 0)
    return -1;
  spice_mgf1_sha1(em + 21, db_len, mask, 20);
  for (int i = 0; i < 20; ++i)
    seed[i] = em[1 + i] ^ mask[i];
  spice_mgf1_sha1(seed, 20, mask, db_len);
  for (size_t i = 0; i < db_len; ++i)
    db[i] = em[21 + i] ^ mask[i];
  static const uint8_t empty_sha1[20] = {0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b,
                                         0x0d, 0x32, 0x55, 0xbf, 0xef, 0x95, 0x60,
                                         0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09};
  if (memcmp(db, empty_sha1, 20) != 0)
    return -1;
  size_t i = 20;
  while (i < db_len && db[i] == 0)
    ++i;
  if (i == db_len || db[i] != 0x01)
    return -1;
  ++i;
  memcpy(msg, db + i, db_len - i);
  return (int)(db_len - i);
}

static void test_oaep_structure(void **state)
{
  (void)state;
  uint8_t seed[20], em[128], msg[128];
  for (int i = 0; i < 20; ++i)
    seed[i] = (uint8_t)(i * 7 + 1);
  assert_true(spice_oaep_sha1_encode((const uint8_t *)"secret", 7, seed, em, sizeof(em)));
  assert_int_equal(em[0], 0);
  assert_int_equal(oaep_decode(em, sizeof(em), msg), 7);
  assert_memory_equal(msg, "secret", 7);

  /* Deterministic for a given seed, different for another seed. */
  uint8_t em2[128];
  assert_true(spice_oaep_sha1_encode((const uint8_t *)"secret", 7, seed, em2, sizeof(em2)));
  assert_memory_equal(em, em2, sizeof(em));
  seed[0] ^= 1;
  assert_true(spice_oaep_sha1_encode((const uint8_t *)"secret", 7, seed, em2, sizeof(em2)));
  assert_memory_not_equal(em, em2, sizeof(em));

  /* Capacity: k - 2*20 - 2 = 86 bytes. */
  uint8_t big[87];
  memset(big, 'x', sizeof(big));
  assert_true(spice_oaep_sha1_encode(big, 86, seed, em, sizeof(em)));
  assert_int_equal(oaep_decode(em, sizeof(em), msg), 86);
  assert_false(spice_oaep_sha1_encode(big, 87, seed, em, sizeof(em)));
  assert_false(spice_oaep_sha1_encode(big, 0, seed, em, 41));
  assert_true(spice_oaep_sha1_encode(big, 0, seed, em, sizeof(em)));
  assert_int_equal(oaep_decode(em, sizeof(em), msg), 0);
}

static void test_spki_parse(void **state)
{
  (void)state;
  uint8_t der[600];
  size_t n = make_spki(der, rsa_oid, sizeof(rsa_oid));
  assert_int_equal(n, 162); /* the size SPICE reserves for a 1024-bit key */
  struct rsa_public_key k;
  rsa_public_key_init(&k);
  assert_true(spice_rsa_pubkey_from_spki(&k, der, n));
  assert_int_equal(mpz_cmp(k.n, pub.n), 0);
  assert_int_equal(mpz_cmp(k.e, pub.e), 0);
  assert_int_equal(k.size, 128);

  for (size_t cut = 0; cut < n; cut += 7)
    assert_false(spice_rsa_pubkey_from_spki(&k, der, cut));
  uint8_t bad_oid[sizeof(rsa_oid)];
  memcpy(bad_oid, rsa_oid, sizeof(bad_oid));
  bad_oid[8] = 0x05;
  size_t m = make_spki(der, bad_oid, sizeof(bad_oid));
  assert_false(spice_rsa_pubkey_from_spki(&k, der, m));
  memset(der, 0xff, sizeof(der));
  assert_false(spice_rsa_pubkey_from_spki(&k, der, 162));
  assert_false(spice_rsa_pubkey_from_spki(&k, NULL, 0));
  rsa_public_key_clear(&k);
}

static void decrypt(const uint8_t *ct, uint8_t em[128])
{
  mpz_t c, m;
  mpz_init(c);
  mpz_init(m);
  mpz_import(c, 128, 1, 1, 0, 0, ct);
  rsa_compute_root(&priv, m, c);
  size_t count = 0;
  memset(em, 0, 128);
  uint8_t tmp[128];
  mpz_export(tmp, &count, 1, 1, 0, 0, m);
  assert_true(count <= 128);
  memcpy(em + 128 - count, tmp, count);
  mpz_clear(c);
  mpz_clear(m);
}

static void test_ticket_roundtrip(void **state)
{
  (void)state;
  uint8_t der[600], ct[128], ct2[128], em[128], msg[128];
  size_t n = make_spki(der, rsa_oid, sizeof(rsa_oid));

  assert_true(spice_ticket_encrypt(der, n, "secret", ct, sizeof(ct)));
  decrypt(ct, em);
  assert_int_equal(oaep_decode(em, sizeof(em), msg), 7);
  assert_memory_equal(msg, "secret", 7); /* includes the NUL */

  /* Random seed: the same password encrypts differently each time. */
  assert_true(spice_ticket_encrypt(der, n, "secret", ct2, sizeof(ct2)));
  assert_memory_not_equal(ct, ct2, sizeof(ct));

  /* Empty / NULL password: just the NUL. */
  assert_true(spice_ticket_encrypt(der, n, NULL, ct, sizeof(ct)));
  decrypt(ct, em);
  assert_int_equal(oaep_decode(em, sizeof(em), msg), 1);
  assert_int_equal(msg[0], 0);

  /* Wrong output size or a bad key fail cleanly. */
  assert_false(spice_ticket_encrypt(der, n, "secret", ct, 64));
  der[20] ^= 0xff;
  assert_false(spice_ticket_encrypt(der, n, "secret", ct, sizeof(ct)));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mgf1),
      cmocka_unit_test(test_oaep_structure),
      cmocka_unit_test(test_spki_parse),
      cmocka_unit_test(test_ticket_roundtrip),
  };
  return cmocka_run_group_tests(tests, setup_key, teardown_key);
}
