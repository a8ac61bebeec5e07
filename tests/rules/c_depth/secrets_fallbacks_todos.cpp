// C++ shapes of C-SECRET-001 and C-TODO-001: keys in unsigned char arrays and string_views, getenv fallbacks.
#include <cstdlib>
#include <string>
#include <string_view>

namespace relay {

const unsigned char kReceiptKey[] = "rcp-8d2f6a0c4e9b1735"; // expect: C-SECRET-001
static const char kUploadUrlKey[] = "uuk-1c7e5a3f9d0b2864"; // expect: C-SECRET-001
constexpr std::string_view kOperatorSha1 = "3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190"; // expect: C-SECRET-001
constexpr std::string_view kSchemaSha1 = "3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a190"; // ok: C-SECRET-001
const unsigned char kReceiptPrefix[] = "rcp-"; // ok: C-SECRET-001

std::string signing_secret() {
    const char* s = std::getenv("RELAY_SIGNING_SECRET");
    return s ? s : "rss-6Wq1Lz8Kv3Xm0Tp5"; // expect: C-SECRET-001
}

std::string listen_address() {
    const char* a = std::getenv("RELAY_LISTEN");
    return a ? a : "0.0.0.0:9000"; // ok: C-SECRET-001
}

// TODO: check that the requester owns the mailbox before relaying // expect: C-TODO-001
void relay_message(const std::string& mailbox);

// TODO: make sure the container owns its nodes after a move // ok: C-TODO-001
void compact();

}  // namespace relay
