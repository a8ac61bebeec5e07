// esign-core - document and signer service behind an e-signature web app.
// The web tier forwards uploads and signing-link visits to these functions.
// Attacker data: uploaded PDFs (bytes, file names, the Info dictionary we read
// titles from), signer passwords at sign-up, and the token in every signing
// link, which is mailed out and ends up in proxies, browsers and forwards.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace esign {

const std::string kStorageRoot = "/srv/esign/documents";
const unsigned char kLinkKey[] = "lnk-3d9a7f1c50e2b846ac71"; // expect: C-SECRET-001

struct StoredPassword {
    unsigned char salt[16];
    unsigned char hash[32];
};

std::string hex(const unsigned char *p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) { out += digits[p[i] >> 4]; out += digits[p[i] & 15]; }
    return out;
}

// v1 accounts, still used by signers who have not logged in since 2021
std::string legacy_password_hash(const std::string &password) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(password.data(), password.size(), md, &len, EVP_sha1(), nullptr); // expect: C-HASH-001
    return hex(md, len);
}

bool legacy_login_ok(const std::string &password, const std::string &stored_hex) {
    return legacy_password_hash(password) == stored_hex; // expect: C-TIMING-001
}

bool hash_password(const std::string &password, StoredPassword &out) {
    if (RAND_bytes(out.salt, sizeof out.salt) != 1) return false;
    return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), out.salt, sizeof out.salt, 600000, // ok: C-HASH-001
                             EVP_sha256(), sizeof out.hash, out.hash) == 1;
}

std::string document_fingerprint(const std::vector<unsigned char> &pdf) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(pdf.data(), pdf.size(), md, &len, EVP_sha256(), nullptr); // ok: C-HASH-001
    return hex(md, len);
}

std::string signing_link_token() {
    std::mt19937_64 gen(std::random_device{}());
    unsigned long long a = gen(), b = gen(); // expect: C-RAND-001
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", a, b);
    return buf;
}

std::string signing_link_token_v2() {
    unsigned char raw[24];
    if (RAND_bytes(raw, sizeof raw) != 1) return {}; // ok: C-RAND-001
    return hex(raw, sizeof raw);
}

bool link_valid(const std::string &token, const unsigned char *stored_mac) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), kLinkKey, sizeof kLinkKey - 1, reinterpret_cast<const unsigned char *>(token.data()), token.size(), mac, &len);
    return std::memcmp(mac, stored_mac, len) == 0; // expect: C-TIMING-001
}

bool link_valid_v2(const std::string &token, const unsigned char *stored_mac, const unsigned char *key, int key_len) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, key_len, reinterpret_cast<const unsigned char *>(token.data()), token.size(), mac, &len);
    return CRYPTO_memcmp(mac, stored_mac, len) == 0; // ok: C-TIMING-001
}

std::string pdf_title(const std::string &info_dict) {
    char title[64] = "";
    const char *p = std::strstr(info_dict.c_str(), "/Title (");
    if (p != nullptr) std::sscanf(p, "/Title (%[^)])", title); // expect: C-BUF-003
    return title;
}

bool store_upload(const std::string &envelope_id, const std::string &filename, const std::vector<unsigned char> &pdf) {
    std::ofstream out(kStorageRoot + "/" + envelope_id + "/" + filename, std::ios::binary); // expect: C-PATH-001
    out.write(reinterpret_cast<const char *>(pdf.data()), static_cast<std::streamsize>(pdf.size()));
    return static_cast<bool>(out);
}

int linearize(const std::string &envelope_id, const std::string &filename) {
    std::string path = kStorageRoot + "/" + envelope_id + "/" + filename;
    std::string cmd = "qpdf --linearize --replace-input \"" + path + "\"";
    return std::system(cmd.c_str()); // expect: C-CMDI-001
}

int linearize_v2(const std::string &stored_path) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("qpdf", "qpdf", "--linearize", "--replace-input", "--", stored_path.c_str(), static_cast<char *>(nullptr)); // ok: C-CMDI-001
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// Timestamp authority client (RFC 3161 over HTTPS).
SSL_CTX *tsa_context(bool legacy_tsa) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (legacy_tsa) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr); // expect: C-TLS-001
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr); // ok: C-TLS-001
        SSL_CTX_load_verify_locations(ctx, "/etc/esign/tsa-ca.pem", nullptr);
    }
    return ctx;
}

}  // namespace esign
