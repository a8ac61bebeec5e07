#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
std::string make_api_key() {
    std::mt19937 gen(std::random_device{}()); // ok: C-RAND-001
    std::uniform_int_distribution<int> dist(0, 61);
    std::string key;
    for (int i = 0; i < 32; ++i) key += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[dist(gen)]; // expect: C-RAND-001
    return key;
}
int spawn_enemy() {
    std::mt19937 gen(42); // ok: C-RAND-001
    return gen() % 10;
}
// The finding sits where the engine is drawn from, not where it is seeded.
std::string new_invite_token() {
    std::mt19937_64 engine(static_cast<unsigned long long>(std::chrono::steady_clock::now().time_since_epoch().count())); // ok: C-RAND-001
    unsigned long long hi = engine(), lo = engine(); // expect: C-RAND-001
    char out[33];
    std::snprintf(out, sizeof out, "%016llx%016llx", hi, lo);
    return out;
}
std::string reset_code_for(const std::string &email) {
    static const char digits[] = "0123456789";
    std::default_random_engine eng(std::random_device{}()); // ok: C-RAND-001
    auto draw = [&] { return digits[eng() % 10]; }; // expect: C-RAND-001
    std::string code;
    for (int i = 0; i < 6; ++i)
        code.push_back(draw()); // ok: C-RAND-001
    return email.empty() ? std::string() : code;
}
std::string make_csrf_token() {
    static const char symbols[] = "0123456789abcdef";
    std::minstd_rand r(std::random_device{}()); // ok: C-RAND-001
    std::uniform_int_distribution<std::size_t> nibble(0, 15);
    std::string out(32, '0');
    for (auto &c : out)
        c = symbols[nibble(r)]; // expect: C-RAND-001
    return out;
}
// Retry jitter: a random delay is no secret, even in a function about tokens.
void resend_token_email(int attempts) {
    for (int attempt = 0; attempt < attempts; ++attempt) {
        usleep((200u << attempt) * 1000u + static_cast<unsigned>(rand() % 500) * 1000u); // ok: C-RAND-001
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rand() % 50)); // ok: C-RAND-001
    }
}
void refresh_session_cookie(char *sid, int n) {
    for (int i = 0; i < n; ++i)
        sid[i] = "abcdefghijklmnop"[rand() % 16]; // expect: C-RAND-001
    sleep(1 + rand() % 3); // ok: C-RAND-001
}
