// arena_server - authoritative UDP server of a small multiplayer arena game.
// Attacker data: every datagram on port 27500 (anyone can send them; a
// modified client sends whatever it likes): join requests with player names,
// chat lines, entity snapshots, and the admin console's rcon commands.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::uint32_t kEntityWireSize = 48;
constexpr std::uint32_t kMaxEntities = 1024;
const std::string kRconPassword = "arena-rcon-7Gx2Lq9Vt4"; // expect: C-SECRET-001

struct Player {
    char name[32];
    std::string session_token;
    sockaddr_in addr{};
    int score = 0;
    float spawn_x = 0.f;
};

struct Entity {
    std::uint32_t id;
    float x, y, z;
    std::uint8_t payload[32];
};

std::unordered_map<std::uint32_t, Player *> players;
std::mt19937 spawn_rng(std::random_device{}());

std::string make_session_token() {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::mt19937 rng(static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count()));
    std::uniform_int_distribution<int> pick(0, sizeof alphabet - 2);
    std::string token;
    for (int i = 0; i < 24; ++i) token += alphabet[pick(rng)]; // expect: C-RAND-001
    return token;
}

float random_spawn_x() {
    std::uniform_real_distribution<float> d(-50.f, 50.f);
    return d(spawn_rng); // ok: C-RAND-001
}

Player *handle_join(const std::uint8_t *buf, std::size_t n, const sockaddr_in &from) {
    if (n < 3) return nullptr;
    std::uint16_t name_len = static_cast<std::uint16_t>(buf[1] | (buf[2] << 8));
    if (n < 3u + name_len) return nullptr;
    auto *p = new Player();
    std::memcpy(p->name, buf + 3, name_len); // expect: C-SIZE-001
    p->name[sizeof p->name - 1] = '\0';
    p->session_token = make_session_token();
    p->addr = from;
    p->spawn_x = random_spawn_x();
    players[ntohl(from.sin_addr.s_addr) ^ from.sin_port] = p;
    return p;
}

bool authorised(const Player &p, const std::string &presented) {
    return presented == p.session_token; // expect: C-TIMING-001
}

bool rcon_allowed(const std::string &presented) {
    return presented.size() == kRconPassword.size() &&
           CRYPTO_memcmp(presented.data(), kRconPassword.data(), presented.size()) == 0; // ok: C-TIMING-001
}

void broadcast_chat(const Player &from, const char *text) {
    char line[128];
    std::sprintf(line, "[%s] %s", from.name, text); // expect: C-BUF-002
    std::printf(line); // expect: C-FMT-001
    std::printf("\n");
    std::fprintf(stderr, "%s\n", line); // ok: C-FMT-001
}

std::vector<Entity> read_snapshot_v2(const std::uint8_t *buf, std::size_t n) {
    std::uint32_t count;
    std::memcpy(&count, buf + 1, sizeof count); // ok: C-SIZE-001
    count = ntohl(count);
    if (count > kMaxEntities || 5 + static_cast<std::size_t>(count) * kEntityWireSize > n) return {};
    std::vector<Entity> out(count); // ok: C-ALLOC-001
    for (std::uint32_t i = 0; i < count; ++i) std::memcpy(&out[i], buf + 5 + i * kEntityWireSize, sizeof(Entity));
    return out;
}

Entity *read_snapshot_v1(const std::uint8_t *buf, std::size_t n, std::uint32_t *count_out) {
    std::uint32_t count;
    std::memcpy(&count, buf + 1, sizeof count);
    count = ntohl(count);
    auto *ents = static_cast<Entity *>(std::malloc(count * kEntityWireSize)); // expect: C-ALLOC-001
    if (ents == nullptr) return nullptr;
    std::uint32_t i = 0;
    for (; i < count && 5 + (i + 1) * kEntityWireSize <= n; ++i)
        std::memcpy(&ents[i], buf + 5 + i * kEntityWireSize, kEntityWireSize);
    *count_out = i;
    return ents;
}

void kick(std::uint32_t key) {
    auto it = players.find(key);
    if (it == players.end()) return;
    Player *p = it->second;
    players.erase(it);
    delete p;
    std::printf("kicked %s (score %d)\n", p->name, p->score); // expect: C-MEM-002
}

}  // namespace

int main() {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(27500);
    bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    std::uint8_t buf[1400];
    for (;;) {
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(fd, buf, sizeof buf - 1, 0, reinterpret_cast<sockaddr *>(&from), &fl); // ok: C-SIZE-001
        if (n <= 0) continue;
        buf[n] = 0;
        std::uint32_t key = ntohl(from.sin_addr.s_addr) ^ from.sin_port;
        auto it = players.find(key);
        if (buf[0] == 'J') {
            handle_join(buf, static_cast<std::size_t>(n), from);
        } else if (it != players.end() && buf[0] == 'C' && n > 25 && authorised(*it->second, std::string(reinterpret_cast<char *>(buf) + 1, 24))) {
            broadcast_chat(*it->second, reinterpret_cast<char *>(buf) + 25);
        } else if (buf[0] == 'S' || buf[0] == 's') {
            std::uint32_t count = 0;
            Entity *legacy = buf[0] == 's' ? read_snapshot_v1(buf, static_cast<std::size_t>(n), &count) : nullptr;
            std::vector<Entity> ents = legacy ? std::vector<Entity>(legacy, legacy + count) : read_snapshot_v2(buf, static_cast<std::size_t>(n));
            std::free(legacy);
        } else if (buf[0] == 'K' && static_cast<std::size_t>(n) > 1 + kRconPassword.size() &&
                   rcon_allowed(std::string(reinterpret_cast<char *>(buf) + 1, kRconPassword.size()))) {
            kick(std::strtoul(reinterpret_cast<char *>(buf) + 1 + kRconPassword.size(), nullptr, 10));
        }
    }
}
