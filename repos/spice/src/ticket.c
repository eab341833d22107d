/* SPICE ticket encryption: MGF1/OAEP over nettle's SHA-1, RSA via gmp. */
#include "lgspice/ticket.h"

#include "lg/log.h"

#include <errno.h>
#include <gmp.h>
#include <nettle/asn1.h>
#include <nettle/rsa.h>
#include <nettle/sha1.h>
#include <string.h>
#include <sys/random.h>

void spice_mgf1_sha1(const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len)
{
  uint32_t counter = 0;
  size_t done = 0;
  while (done < out_len) {
    struct sha1_ctx ctx;
    uint8_t c[4] = {(uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8),
                    (uint8_t)counter};
    uint8_t digest[SPICE_SHA1_SIZE];
    sha1_init(&ctx);
    sha1_update(&ctx, seed_len, seed);
    sha1_update(&ctx, sizeof(c), c);
    sha1_digest(&ctx, sizeof(digest), digest);
    size_t n = out_len - done < sizeof(digest) ? out_len - done : sizeof(digest);
    memcpy(out + done, digest, n);
    done += n;
    ++counter;
  }
}

bool spice_oaep_sha1_encode(const uint8_t *msg, size_t msg_len, const uint8_t seed[SPICE_SHA1_SIZE],
                            uint8_t *em, size_t k)
{
  const size_t h = SPICE_SHA1_SIZE;
  if (k < 2 * h + 2 || msg_len > k - 2 * h - 2)
    return false;

  /* EM = 0x00 || maskedSeed (h) || maskedDB (k - h - 1);
   * DB = lHash || zero padding || 0x01 || M */
  const size_t db_len = k - h - 1;
  uint8_t *masked_seed = em + 1;
  uint8_t *db = em + 1 + h;

  em[0] = 0;
  struct sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_digest(&ctx, h, db); /* hash of the empty label */
  memset(db + h, 0, db_len - h - msg_len - 1);
  db[db_len - msg_len - 1] = 0x01;
  if (msg_len)
    memcpy(db + db_len - msg_len, msg, msg_len);

  uint8_t mask[256];
  if (db_len > sizeof(mask))
    return false;
  spice_mgf1_sha1(seed, h, mask, db_len);
  for (size_t i = 0; i < db_len; ++i)
    db[i] ^= mask[i];

  spice_mgf1_sha1(db, db_len, mask, h);
  for (size_t i = 0; i < h; ++i)
    masked_seed[i] = seed[i] ^ mask[i];
  memset(mask, 0, sizeof(mask));
  return true;
}

/* OID 1.2.840.113549.1.1.1 (rsaEncryption), content bytes only. */
static const uint8_t rsa_oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};

bool spice_rsa_pubkey_from_spki(struct rsa_public_key *pub, const uint8_t *der, size_t len)
{
  struct asn1_der_iterator top, spki, alg, bits;
  if (!der || len == 0)
    return false;
  if (asn1_der_iterator_first(&top, len, der) != ASN1_ITERATOR_CONSTRUCTED ||
      top.type != ASN1_SEQUENCE)
    return false;
  if (asn1_der_decode_constructed(&top, &spki) != ASN1_ITERATOR_CONSTRUCTED ||
      spki.type != ASN1_SEQUENCE)
    return false;
  /* AlgorithmIdentifier: OID rsaEncryption (parameters ignored). */
  if (asn1_der_decode_constructed(&spki, &alg) != ASN1_ITERATOR_PRIMITIVE ||
      alg.type != ASN1_IDENTIFIER || alg.length != sizeof(rsa_oid) ||
      memcmp(alg.data, rsa_oid, sizeof(rsa_oid)) != 0)
    return false;
  if (asn1_der_iterator_next(&spki) != ASN1_ITERATOR_PRIMITIVE || spki.type != ASN1_BITSTRING)
    return false;
  if (asn1_der_decode_bitstring(&spki, &bits) != ASN1_ITERATOR_CONSTRUCTED ||
      bits.type != ASN1_SEQUENCE)
    return false;
  if (!rsa_public_key_from_der_iterator(pub, 4096, &bits))
    return false;
  return rsa_public_key_prepare(pub) != 0;
}

bool spice_ticket_encrypt(const uint8_t *der, size_t der_len, const char *password, uint8_t *out,
                          size_t out_len)
{
  struct rsa_public_key pub;
  bool ok = false;
  const char *pw = password ? password : "";
  size_t pw_len = strnlen(pw, 256) + 1; /* the NUL is part of the ticket */
  uint8_t em[512];
  uint8_t seed[SPICE_SHA1_SIZE];
  mpz_t m, c;

  rsa_public_key_init(&pub);
  mpz_init(m);
  mpz_init(c);
  if (!spice_rsa_pubkey_from_spki(&pub, der, der_len)) {
    LG_ERROR("spice: the server's public key is not a valid RSA SubjectPublicKeyInfo");
    goto out;
  }
  if (pub.size != out_len || out_len > sizeof(em)) {
    LG_ERROR("spice: unexpected RSA key size %zu bytes (want %zu)", pub.size, out_len);
    goto out;
  }
  if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
    LG_ERROR("spice: getrandom failed: %s", strerror(errno));
    goto out;
  }
  if (!spice_oaep_sha1_encode((const uint8_t *)pw, pw_len, seed, em, out_len)) {
    LG_ERROR("spice: password too long for the ticket");
    goto out;
  }
  mpz_import(m, out_len, 1, 1, 0, 0, em);
  mpz_powm(c, m, pub.e, pub.n);
  size_t count = (mpz_sizeinbase(c, 2) + 7) / 8;
  if (count > out_len)
    goto out;
  memset(out, 0, out_len);
  mpz_export(out + (out_len - count), NULL, 1, 1, 0, 0, c);
  ok = true;
out:
  memset(em, 0, sizeof(em));
  mpz_clear(m);
  mpz_clear(c);
  rsa_public_key_clear(&pub);
  return ok;
}
