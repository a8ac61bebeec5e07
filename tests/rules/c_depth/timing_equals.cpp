#include <string>
#include <vector>
class Lexer { public: bool at(const std::string &token, const std::string &keyword) { return token == keyword; } }; // ok: C-TIMING-001
bool check(const std::string &provided_token, const std::string &api_token) {
    return provided_token == api_token; // expect: C-TIMING-001
}
bool pin_ok(int pin, int stored_pin) { return pin == stored_pin; } // ok: C-TIMING-001
struct Config { std::string api_key; };
bool authorized(const Config &cfg, const std::string &header_key) {
    return header_key != cfg.api_key; // expect: C-TIMING-001
}
bool same(const char *password, const char *other_password) { return password == other_password; } // ok: C-TIMING-001
// A key fixed in the source, compared with a header value held in a std::string.
static const char *kPartnerKey = "prt-71c0e9a4b2d85f36e1a9";
static const char *kPartnerName = "acme-wholesale";
bool partner_ok(const std::string &header) {
    std::string presented = header;
    if (presented != kPartnerKey) return false; // expect: C-TIMING-001
    return presented != kPartnerName; // ok: C-TIMING-001
}
const std::string kRelayToken = "rly-0d4c8b2a96e1f7355a0c";
bool relay_ok(const std::string &given) { return given == kRelayToken; } // expect: C-TIMING-001
bool relay_ok_ct(const std::string &given) {
    return given.size() == std::strlen(kPartnerKey) && CRYPTO_memcmp(given.data(), kPartnerKey, given.size()) == 0; // ok: C-TIMING-001
}
bool same_sid(const std::string &sid, const std::string &stored_sid) { return sid == stored_sid; } // expect: C-TIMING-001
