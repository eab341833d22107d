/* SPICE ticket: RSA-OAEP (SHA-1, MGF1-SHA-1, empty label) of the password plus
 * NUL, encrypted with the server's 1024-bit key from the link reply. */
#ifndef LGSPICE_TICKET_H
#define LGSPICE_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPICE_SHA1_SIZE 20

struct rsa_public_key;

/* MGF1 with SHA-1: writes `out_len` mask bytes derived from `seed`. */
void spice_mgf1_sha1(const uint8_t *seed, size_t seed_len, uint8_t *out, size_t out_len);

/* EME-OAEP encoding (RFC 8017 7.1.1) of `msg` into `em` of `k` bytes with the
 * given 20-byte `seed`; false when msg_len > k - 42 or k < 42. */
bool spice_oaep_sha1_encode(const uint8_t *msg, size_t msg_len, const uint8_t seed[SPICE_SHA1_SIZE],
                            uint8_t *em, size_t k);

/* Parses a DER SubjectPublicKeyInfo holding an rsaEncryption key into `pub`
 * (initialised by the caller with rsa_public_key_init); false on bad input. */
bool spice_rsa_pubkey_from_spki(struct rsa_public_key *pub, const uint8_t *der, size_t len);

/* Encrypts `password` + NUL for the SPICE-key `der` into `out` (`out_len` must
 * equal the modulus size, 128 for SPICE). Uses getrandom() for the seed. */
bool spice_ticket_encrypt(const uint8_t *der, size_t der_len, const char *password, uint8_t *out,
                          size_t out_len);

#endif
