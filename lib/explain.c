/* explain.c: turning a failed handshake or verification into one plain sentence that names
 * the problem, what was found, and the fix when it is known. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "internal.h"

static const char *peer_name(const struct tlskit_conn *c)
{
    return c->servername ? c->servername : "the server";
}

static size_t peer_sent(const struct tlskit_conn *c)
{
    return tlskit_conn_peer_cert_count(c);
}

/* The EKU purposes a certificate lists, for "it is only for ..." */
static void eku_desc(X509 *x, char *buf, size_t len)
{
    uint32_t xku = X509_get_extended_key_usage(x);
    snprintf(buf, len, "%s%s%s%s", (xku & XKU_SSL_SERVER) ? "serverAuth " : "",
             (xku & XKU_SSL_CLIENT) ? "clientAuth " : "",
             (xku & XKU_CODE_SIGN) ? "codeSigning " : "",
             (xku & XKU_SMIME) ? "emailProtection " : "");
    size_t n = strlen(buf);
    if (n > 0) {
        buf[n - 1] = '\0';
    } else {
        snprintf(buf, len, "other uses");
    }
}

void tk_explain_verify(struct tlskit_conn *c)
{
    X509 *x = c->vfy_cert;
    char subj[256] = "?", iss[256] = "?", names[1024] = "", date[40] = "", now[40] = "";
    const char *host = peer_name(c);
    int err = c->vfy_err ? c->vfy_err : (int)SSL_get_verify_result(c->ssl);
    if (x == NULL) {
        x = SSL_get0_peer_certificate(c->ssl);
    }
    if (x == NULL) {
        /* Nothing to describe (the verify callback never ran): say what OpenSSL said. */
        tk_err_set(&c->err, TLSKIT_ERR_VERIFY, "certificate verification failed for %s: %s", host,
                   X509_verify_cert_error_string(err));
        return;
    }
    {
        tk_name_oneline(X509_get_subject_name(x), subj, sizeof(subj));
        tk_name_oneline(X509_get_issuer_name(x), iss, sizeof(iss));
        tk_cert_names(x, names, sizeof(names));
    }
    ASN1_TIME *tnow = ASN1_TIME_set(NULL, time(NULL));
    tk_time_str(tnow, now, sizeof(now));
    ASN1_TIME_free(tnow);
    const char *whose =
        c->vfy_depth == 0 ? "the server's certificate" : "a certificate in the chain";
    enum tlskit_error_kind k = TLSKIT_ERR_VERIFY;

    switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
        tk_time_str(X509_get0_notAfter(x), date, sizeof(date));
        tk_err_set(&c->err, k,
                   "certificate expired: %s ('%s') expired on %s, %ld days ago; the server's "
                   "operator must renew it (now is %s)",
                   whose, subj, date, -tk_days_from_now(X509_get0_notAfter(x)), now);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        tk_time_str(X509_get0_notBefore(x), date, sizeof(date));
        tk_err_set(&c->err, k,
                   "certificate not yet valid: %s ('%s') is valid only from %s, in %ld days; "
                   "check this machine's clock, which says %s",
                   whose, subj, date, tk_days_from_now(X509_get0_notBefore(x)), now);
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        if (names[0] == '\0') {
            X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, iss, sizeof(iss));
            tk_err_set(&c->err, k,
                       "host name mismatch: the certificate of '%s' has no subjectAltName, and "
                       "its subject CN '%s' is not trusted for host names (as in browsers, RFC "
                       "6125); the server needs a certificate with a subjectAltName",
                       host, iss);
        } else if (c->name_is_ip) {
            tk_err_set(&c->err, k,
                       "address mismatch: the certificate is not for the IP address '%s'; it "
                       "covers only: %s (subject '%s'); connect with one of those names, or the "
                       "server needs a certificate with 'IP:%s' in its subjectAltName",
                       host, names, subj, host);
        } else {
            tk_err_set(&c->err, k,
                       "host name mismatch: the certificate is not for '%s'; it covers only: %s "
                       "(subject '%s'); connect with one of those names, or the server needs a "
                       "certificate for '%s'",
                       host, names, subj, host);
        }
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        tk_err_set(&c->err, k,
                   "self-signed certificate: '%s' of %s was signed by itself, not by a CA you "
                   "trust; if you really expect this certificate, trust it with --cafile",
                   subj, host);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        tk_err_set(&c->err, k,
                   "untrusted root: the chain of %s ends in the root '%s', which is not in your "
                   "trust store; if you trust that CA, add it with --cafile",
                   host, subj);
        break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        if (c->vfy_depth == 0 && peer_sent(c) <= 1) {
            tk_err_set(&c->err, k,
                       "incomplete chain: %s sent only its own certificate ('%s'), without the "
                       "intermediate '%s' that links it to a trusted root; this is a server "
                       "misconfiguration (it must send its intermediates)",
                       host, subj, iss);
        } else {
            tk_err_set(&c->err, k,
                       "unknown issuer: '%s' (which issued '%s') is not in your trust store, so "
                       "the certificate of %s cannot be checked; if you trust that CA, add it "
                       "with --cafile",
                       iss, subj, host);
        }
        break;
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
        tk_err_set(&c->err, k,
                   "issuer is not a CA: '%s' signed a certificate in the chain of %s, but it is "
                   "not allowed to issue certificates (no basicConstraints CA:TRUE)",
                   subj, host);
        break;
    case X509_V_ERR_INVALID_PURPOSE: {
        char eku[128];
        eku_desc(x, eku, sizeof(eku));
        tk_err_set(&c->err, k,
                   "wrong certificate purpose: '%s' of %s is not for TLS servers; its extended "
                   "key usage allows only: %s",
                   subj, host, eku);
        break;
    }
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL: {
        char kd[64] = "?";
        if (X509_get0_pubkey(x)) {
            tk_key_desc(X509_get0_pubkey(x), kd, sizeof(kd));
        }
        tk_err_set(&c->err, k,
                   "weak key: '%s' of %s has a %s key, too weak to be safe (RSA needs 2048 "
                   "bits or more); the server needs a new key and certificate",
                   subj, host, kd);
        break;
    }
    case X509_V_ERR_CA_MD_TOO_WEAK: {
        int sig = X509_get_signature_nid(x);
        tk_err_set(&c->err, k,
                   "weak signature: '%s' of %s is signed with %s (SHA-1 or MD5), which can be "
                   "forged; the server needs a certificate signed with SHA-256 or better",
                   subj, host, sig ? OBJ_nid2ln(sig) : "a weak digest");
        break;
    }
    case X509_V_ERR_CERT_REVOKED:
        tk_err_set(&c->err, k,
                   "certificate revoked: '%s' of %s was revoked by its issuer '%s' (CRL '%s'); "
                   "do not trust this server until it has a new certificate",
                   subj, host, iss, c->ctx->crl_file ? c->ctx->crl_file : "?");
        break;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
        tk_err_set(&c->err, k,
                   "no CRL: revocation checking is on, but '%s' has no CRL from its issuer "
                   "'%s' in '%s'; add that issuer's CRL",
                   subj, iss, c->ctx->crl_file ? c->ctx->crl_file : "the CRL file");
        break;
    case X509_V_ERR_CRL_HAS_EXPIRED:
        tk_err_set(&c->err, k,
                   "stale CRL: the CRL from '%s' in '%s' has expired; fetch a current one", iss,
                   c->ctx->crl_file ? c->ctx->crl_file : "the CRL file");
        break;
    default:
        tk_err_set(&c->err, k,
                   "certificate verification failed for %s: %s (certificate '%s', "
                   "issued by '%s', at depth %d)",
                   host, X509_verify_cert_error_string(err), subj, iss, c->vfy_depth);
        break;
    }
}

static int first_bytes_look_like_http(const struct tlskit_conn *c)
{
    return c->saw_any_byte && (memcmp(c->first, "HTTP/", 5) == 0 || memcmp(c->first, "<", 1) == 0);
}

void tk_explain_handshake(struct tlskit_conn *c, unsigned long q, int sys_errno)
{
    char rb[256];
    int reason = q ? ERR_GET_REASON(q) : 0;
    const char *host = peer_name(c);
    int server = c->ctx->server;
    enum tlskit_error_kind k = TLSKIT_ERR_HANDSHAKE;

    if (!server && (reason == SSL_R_CERTIFICATE_VERIFY_FAILED || c->vfy_err != 0)) {
        tk_explain_verify(c);
        return;
    }
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && server) {
        tk_err_set(&c->err, TLSKIT_ERR_VERIFY, "the client's certificate was not accepted: %s",
                   X509_verify_cert_error_string(c->vfy_err ? c->vfy_err
                                                            : (int)SSL_get_verify_result(c->ssl)));
        return;
    }
    if (!server && reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) {
        tk_err_set(&c->err, k,
                   "%s requires a client certificate, and none was sent (alert: certificate "
                   "required); pass --cert and --key",
                   host);
        return;
    }
    if (!server && reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE && peer_sent(c) > 0 &&
        SSL_get_certificate(c->ssl) == NULL) {
        /* The server chose a cipher and sent its certificate, then refused: TLS 1.2 servers
         * that require a client certificate answer a missing one this way. */
        tk_err_set(&c->err, k,
                   "%s refused the handshake after sending its certificate (alert: handshake "
                   "failure): it most likely requires a client certificate; pass --cert and "
                   "--key",
                   host);
        return;
    }
    switch (reason) {
    case 0:
        if (sys_errno == ECONNRESET) {
            tk_err_set(&c->err, TLSKIT_ERR_IO,
                       "the peer reset the connection during the handshake%s",
                       server ? ""
                              : " (a server or middlebox that refuses our TLS versions or "
                                "ciphers sometimes does this)");
        } else if (sys_errno == ETIMEDOUT) {
            tk_err_set(&c->err, TLSKIT_ERR_TIMEOUT,
                       "the connection timed out during the handshake");
        } else if (sys_errno) {
            tk_err_set(&c->err, TLSKIT_ERR_IO, "the connection broke during the handshake: %s",
                       strerror(sys_errno));
        } else if (!c->saw_any_byte) {
            tk_err_set(&c->err, k,
                       server ? "the client closed the connection before the handshake finished"
                              : "%s closed the connection without answering our TLS hello: it may "
                                "not speak TLS on this port, or refuse our versions (1.2+)",
                       host);
        } else {
            tk_err_set(&c->err, k, "the peer closed the connection during the handshake");
        }
        return;
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        tk_err_set(&c->err, k, "the peer closed the connection during the handshake");
        return;
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
        if (server) {
            tk_err_set(&c->err, k, "the client did not speak TLS%s",
                       reason == SSL_R_HTTP_REQUEST ? " (it sent a plain-HTTP request)" : "");
        } else if (first_bytes_look_like_http(c)) {
            tk_err_set(&c->err, k,
                       "not TLS: %s answered in plain HTTP; this port serves http://, not "
                       "https:// (tlskit speaks only TLS)",
                       host);
        } else {
            tk_err_set(&c->err, k,
                       "not TLS: %s answered with something that is not TLS; check the port", host);
        }
        return;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
        if (server && c->offered >= TLS1_2_VERSION) {
            /* A current client, but not a version this server was told to allow. */
            int lo = SSL_get_min_proto_version(c->ssl), hi = SSL_get_max_proto_version(c->ssl);
            tk_err_set(&c->err, k,
                       "protocol version: the client and this server share no TLS version: the "
                       "client offered up to %s, this server allows TLS %s",
                       tlskit_conn_offered_version(c),
                       lo == hi ? (lo == TLS1_3_VERSION ? "1.3 only" : "1.2 only") : "1.2 and 1.3");
        } else if (server) {
            const char *v = tlskit_conn_offered_version(c);
            tk_err_set(&c->err, k,
                       "protocol version: the client offered only %s; this server requires TLS "
                       "1.2 or newer",
                       v[0] ? v : "an old version");
        } else if (SSL_get_max_proto_version(c->ssl) == TLS1_2_VERSION) {
            tk_err_set(&c->err, k,
                       "protocol version: %s does not speak TLS 1.2, the only version this "
                       "client allows (maximum 1.2); it may require TLS 1.3: allow 1.3 to "
                       "connect",
                       host);
        } else if (SSL_get_min_proto_version(c->ssl) == TLS1_3_VERSION) {
            tk_err_set(&c->err, k,
                       "protocol version: %s does not speak TLS 1.3, the only version this "
                       "client allows (minimum 1.3); it may speak only TLS 1.2: allow 1.2 to "
                       "connect",
                       host);
        } else {
            tk_err_set(&c->err, k,
                       "protocol version: %s does not speak TLS 1.2 or 1.3; it only speaks an "
                       "older version (TLS 1.0/1.1), which is broken and turned off (RFC 8996); "
                       "the server must be upgraded",
                       host);
        }
        return;
    case SSL_R_NO_SHARED_CIPHER:
        tk_err_set(&c->err, k,
                   "no shared cipher: the client offered no cipher suite this server allows "
                   "(only forward-secret AEAD suites are)");
        return;
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
        tk_err_set(&c->err, k,
                   server ? "handshake failure: the client and this server share no cipher or "
                            "key-exchange group"
                          : "no shared cipher: %s accepted none of our cipher suites or groups "
                            "(we offer only forward-secret AEAD suites: ECDHE with AES-GCM or "
                            "ChaCha20-Poly1305, and TLS 1.3); the server may allow only CBC, RSA "
                            "key exchange or DHE",
                   host);
        return;
    case SSL_R_DH_KEY_TOO_SMALL:
    case SSL_R_BAD_DH_VALUE:
        tk_err_set(&c->err, k,
                   "weak key exchange: %s offered a Diffie-Hellman group that is too small "
                   "(under 2048 bits, Logjam); the server must use ECDHE or a larger group",
                   host);
        return;
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
        tk_err_set(&c->err, k,
                   server ? "the client rejected this server's certificate (alert: %s): it does "
                            "not trust it; check the chain and the names it covers"
                          : "%2$s rejected our client certificate (alert: %1$s)%3$s",
                   ERR_reason_error_string(q), host,
                   reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED
                       ? "; it requires one: pass --cert and --key"
                       : "");
        return;
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        tk_err_set(&c->err, TLSKIT_ERR_VERIFY,
                   "the client sent no certificate, and this server requires one");
        return;
    case SSL_R_TLSV1_ALERT_NO_APPLICATION_PROTOCOL:
    case SSL_R_NO_APPLICATION_PROTOCOL:
        tk_err_set(&c->err, k, "ALPN: the peers share no application protocol");
        return;
    case SSL_R_TLSV1_UNRECOGNIZED_NAME:
        tk_err_set(&c->err, k, "%s does not know the name '%s' (unrecognized_name alert)", host,
                   host);
        return;
    default:
        tk_err_set(&c->err, k, "TLS handshake with %s failed: %s", server ? "the client" : host,
                   q ? ERR_reason_error_string(q) ? ERR_reason_error_string(q)
                                                  : tk_ssl_reason(rb, sizeof(rb))
                     : "unknown error");
        return;
    }
}

int tk_check_pins(struct tlskit_conn *c)
{
    if (c->ctx->pins == NULL) {
        return 0;
    }
    char *pin = tlskit_conn_peer_pubkey_pin(c);
    int ok = 0;
    const char *p = c->ctx->pins;
    while (pin && *p) {
        size_t n = strcspn(p, ";");
        if (n == strlen(pin) && strncmp(p, pin, n) == 0) {
            ok = 1;
            break;
        }
        p += n;
        if (*p) {
            p++;
        }
    }
    if (!ok) {
        tk_err_set(&c->err, TLSKIT_ERR_VERIFY,
                   "pinned key mismatch: the public key of %s is %s, which matches none of the "
                   "pinned keys (%s); the server changed its key, or this is not the server you "
                   "pinned",
                   peer_name(c), pin ? pin : "(unknown)", c->ctx->pins);
        free(pin);
        return -1;
    }
    free(pin);
    return 0;
}
