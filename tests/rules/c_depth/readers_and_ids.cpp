// C++ shapes of the copy, size, allocation, wipe, random-id and comparison rules: a form copied by the length of
// its own text, counts taken from a byte cursor, a credential header wiped with memset, ids streamed in hex, and
// a request header compared with a char * secret.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <sstream>
#include <string>

struct Profile {
    char nick[32];
    char city[24];
};

void fill_profile(Profile &p, const std::map<std::string, std::string> &form)
{
    auto nick = form.find("nick");
    std::strncpy(p.nick, nick->second.c_str(), std::strlen(nick->second.c_str())); // expect: C-BUF-005
    std::strncpy(p.city, form.at("city").c_str(), sizeof p.city - 1); // ok: C-BUF-005, C-SIZE-001
}

class Cursor {
public:
    Cursor(const uint8_t *p, size_t n);
    uint16_t u16();
    uint32_t u32();
    const uint8_t *take(size_t n);
};

struct Glyphs {
    uint32_t codes[128];
    uint8_t *bitmap;
};

void load_glyphs(Glyphs &g, Cursor &cur)
{
    uint16_t count = cur.u16();
    std::memcpy(g.codes, cur.take(count * sizeof(uint32_t)), count * sizeof(uint32_t)); // expect: C-SIZE-001
    uint32_t rows = cur.u32();
    uint32_t cols = cur.u32();
    size_t bytes = rows * cols;
    g.bitmap = static_cast<uint8_t *>(std::malloc(bytes)); // expect: C-ALLOC-001
}

void load_glyphs_checked(Glyphs &g, Cursor &cur)
{
    uint16_t count = cur.u16();
    if (count > 128)
        return;
    std::memcpy(g.codes, cur.take(count * sizeof(uint32_t)), count * sizeof(uint32_t)); // ok: C-SIZE-001
    std::memcpy(g.codes, cur.take(sizeof g.codes), sizeof g.codes); // ok: C-SIZE-001
    uint32_t rows = cur.u32();
    uint32_t cols = cur.u32();
    if (rows > 4096 || cols > 4096)
        return;
    size_t bytes = rows * cols;
    g.bitmap = static_cast<uint8_t *>(std::malloc(bytes)); // ok: C-ALLOC-001
}

int post_with(const char *header);

int call_billing(const char *api_token)
{
    char header[256];
    std::snprintf(header, sizeof header, "Authorization: Bearer %s", api_token);
    int rc = post_with(header);
    std::memset(header, 0, sizeof header); // expect: C-WIPE-001
    return rc;
}

int note_call(const char *user)
{
    char header[128];
    std::snprintf(header, sizeof header, "X-User: %s", user);
    int rc = post_with(header);
    std::memset(header, 0, sizeof header); // ok: C-WIPE-001
    return rc;
}

// Whoever knows the id downloads the export.
std::string make_export_download_id()
{
    std::minstd_rand engine(std::random_device{}()); // ok: C-RAND-001
    std::ostringstream id;
    id << std::hex << engine() << engine(); // expect: C-RAND-001
    return id.str();
}

std::string make_room_code()
{
    static const char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    std::mt19937 gen(std::random_device{}());
    std::uniform_int_distribution<int> dist(0, sizeof kAlphabet - 2);
    std::string code;
    for (int i = 0; i < 6; i++)
        code += kAlphabet[dist(gen)]; // expect: C-RAND-001
    return code;
}

std::string make_trace_id()
{
    std::mt19937 gen(std::random_device{}());
    std::ostringstream out;
    out << std::hex << gen(); // ok: C-RAND-001
    return out.str();
}

struct Request {
    std::string header(const char *name) const;
};

bool is_admin(const Request &req)
{
    const char *admin_key = std::getenv("ADMIN_KEY");
    return admin_key != nullptr && req.header("X-Admin-Key") == admin_key; // expect: C-TIMING-001
}

bool same_buffer(const std::string &api_token, const char *given)
{
    return api_token.c_str() == given; // ok: C-TIMING-001
}
