#include <openssl/ssl.h>
SSL_CTX *server_context(void)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL); /* ok: C-TLS-001 */
    return ctx;
}
