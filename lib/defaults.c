/* defaults.c: every secure default of libtlskit in one place, each with its reason.
 * Profile: Mozilla server-side TLS "intermediate" (v5.7), at least as strict as Python 3.13's
 * ssl.create_default_context(). Change a default here and nowhere else. */
#include <openssl/x509v3.h>

#include "internal.h"

/* TLS 1.0 and 1.1 are deprecated by RFC 8996 (SHA-1 handshake MACs, CBC-only ciphers). */
const int tk_default_min_version = TLS1_2_VERSION;
/* The newest the linked OpenSSL speaks. */
const int tk_default_max_version = TLS1_3_VERSION;

/* TLS 1.2: ECDHE only (forward secrecy), AEAD only (no CBC padding oracles such as Lucky13),
 * ECDSA before RSA certificates' suites as the Mozilla intermediate list orders them. No DHE:
 * clients cannot check the server's group size (Logjam) and it costs far more CPU. */
const char *const tk_default_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                       "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                       "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/* TLS 1.3: all of its suites are forward-secret AEADs; the RFC 8446 9.1 set, no CCM_8
 * (its 64-bit tag is meant for constrained devices). */
const char *const tk_default_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/* Hybrid post-quantum first where this OpenSSL has it (3.5+), then the fast, widely used
 * curves; no FFDHE and no P-521 (slow, adds nothing at this strength). */
const char *const tk_default_groups = "X25519MLKEM768:X25519:P-256:P-384";
/* The same without the names an older OpenSSL does not know. */
const char *const tk_fallback_groups = "X25519:P-256:P-384";

/* Level 2: at least 112-bit security: RSA/DH >= 2048 bits, no SHA-1 signatures in chains,
 * no RC4, no export ciphers. */
const int tk_default_security_level = 2;

/* Rotate the ticket encryption key every hour; a ticket stays usable for one more hour. */
const unsigned tk_default_ticket_lifetime = 3600;
/* One ticket per full handshake: the second of OpenSSL's default two costs CPU and bytes for
 * clients that open one connection at a time. */
const int tk_default_num_tickets = 1;

const long tk_default_options =
    /* CRIME (CVE-2012-4929): TLS compression leaks secrets. */
    SSL_OP_NO_COMPRESSION |
    /* Renegotiation: a DoS lever and the source of CVE-2009-3555; nobody needs it with 1.3. */
    SSL_OP_NO_RENEGOTIATION |
    /* Fresh ECDHE keys per handshake (the default since 1.1.0; stated for the record). */
    SSL_OP_SINGLE_ECDH_USE;

/* Servers pick the suite in our order (AES-128-GCM first: the SHA-256 of its key schedule runs
 * on the CPU's SHA extensions, about a tenth of a handshake's CPU), except that a client
 * putting ChaCha20 first (no AES hardware) keeps it. Every suite we allow is strong, so this
 * costs no security; Mozilla's profile leaves the order to the client for the same reason. */
const long tk_default_server_options = SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_PRIORITIZE_CHACHA;

/* Chains are checked as Python 3.13 does: strict RFC 5280 parsing, and a trusted
 * intermediate in the store is enough (a partial chain). */
const unsigned long tk_default_verify_flags = X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN;

/* Host names: no "f*.example.com" partial wildcards, and never the subject CN (RFC 6125 6.4.4;
 * browsers ignore it too): only subjectAltName counts. */
const unsigned tk_default_host_flags =
    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;

/* Warn an operator two weeks before a certificate expires. */
const int tk_expiry_warning_days = 14;
/* RSA keys under 2048 bits are factorable by well-funded attackers (NIST SP 800-131A). */
const int tk_min_rsa_bits = 2048;
