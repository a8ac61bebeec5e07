// telemetry_parser.cpp - decodes telemetry frames that sensors push over UDP and keeps the latest
// reading per sensor in a small cache.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Reading {
    uint32_t sensor_id;
    float value;
    char unit[8];
};

struct FrameHeader {
    uint16_t version;
    uint32_t count;
    uint32_t name_len;
};

class SensorSession {
public:
    explicit SensorSession(uint32_t id) : id_(id) {}
    uint32_t id() const { return id_; }
    void touch() { ++seen_; }

private:
    uint32_t id_;
    uint64_t seen_ = 0;
};

static std::map<uint32_t, SensorSession *> g_sessions;

Reading *decode_readings(const uint8_t *buf, size_t len, uint32_t *out_count)
{
    if (len < sizeof(FrameHeader)) return nullptr;
    FrameHeader hdr;
    std::memcpy(&hdr, buf, sizeof(hdr)); // ok: C-BUF-005
    Reading *out = static_cast<Reading *>(std::malloc(hdr.count * sizeof(Reading))); // expect: C-ALLOC-001
    if (!out) return nullptr;
    const uint8_t *p = buf + sizeof(hdr);
    for (uint32_t i = 0; i < hdr.count && p + sizeof(Reading) <= buf + len; ++i, p += sizeof(Reading)) {
        std::memcpy(&out[i], p, sizeof(Reading)); // ok: C-BUF-005
    }
    *out_count = hdr.count;
    return out;
}

std::vector<Reading> decode_readings_checked(const uint8_t *buf, size_t len)
{
    if (len < sizeof(FrameHeader)) return {};
    FrameHeader hdr;
    std::memcpy(&hdr, buf, sizeof(hdr));
    const size_t body = len - sizeof(hdr);
    if (hdr.count > body / sizeof(Reading)) return {};
    std::vector<Reading> out(hdr.count); // ok: C-ALLOC-001
    std::memcpy(out.data(), buf + sizeof(hdr), hdr.count * sizeof(Reading));
    return out;
}

std::string sensor_name(const uint8_t *buf, size_t len)
{
    char name[64];
    FrameHeader hdr;
    std::memcpy(&hdr, buf, sizeof(hdr));
    std::memcpy(name, buf + sizeof(hdr), hdr.name_len); // expect: C-SIZE-001
    name[63] = '\0';
    return std::string(name);
}

bool parse_config_line(const char *line, std::string &key, std::string &value)
{
    char k[32];
    char v[128];
    if (std::sscanf(line, "%s = %s", k, v) != 2) return false; // expect: C-BUF-003
    key = k;
    value = v;
    return true;
}

void forget_sensor(uint32_t id)
{
    auto it = g_sessions.find(id);
    if (it == g_sessions.end()) return;
    SensorSession *s = it->second;
    delete s;
    std::printf("forgot sensor %u\n", s->id()); // expect: C-MEM-002
    g_sessions.erase(it);
}

void reset_sensor(uint32_t id)
{
    auto it = g_sessions.find(id);
    if (it == g_sessions.end()) return;
    SensorSession *s = it->second;
    delete s;
    g_sessions.erase(it);
    if (g_sessions.empty()) {
        std::puts("last sensor removed");
        delete s; // expect: C-MEM-001
    }
}

void remember_sensor(uint32_t id)
{
    auto session = std::make_unique<SensorSession>(id);
    session->touch();
    std::printf("tracking sensor %u\n", session->id()); // ok: C-MEM-002
    g_sessions[id] = session.release();
}
