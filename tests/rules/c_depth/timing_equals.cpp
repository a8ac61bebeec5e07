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
