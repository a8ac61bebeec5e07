// Binary readers in C++: sizes given as constexpr constants, counts read by a reader object's width-named methods.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace telemetry_io {

constexpr std::size_t kLabelMax = 24;

struct Sample {
    std::uint16_t channel;
    std::int32_t value;
};

struct Record {
    char label[kLabelMax];
    std::uint32_t count = 0;
    Sample *samples = nullptr;
};

struct Cursor {
    const std::uint8_t *bytes;
    std::size_t limit;
    std::size_t pos = 0;

    bool need(std::size_t n) const { return n <= limit - pos; }
    std::uint8_t u8() { return bytes[pos++]; }
    std::uint32_t u32()
    {
        std::uint32_t v;
        std::memcpy(&v, bytes + pos, sizeof(v)); // ok: C-SIZE-001
        pos += sizeof(v);
        return v;
    }
    const std::uint8_t *here() const { return bytes + pos; }
};

Record *decode(const std::uint8_t *buf, std::size_t len)
{
    Cursor r{buf, len};
    std::uint8_t label_len = r.u8();
    if (!r.need(label_len + 4u))
        return nullptr;
    auto *rec = new Record();
    std::memcpy(rec->label, r.here(), label_len); // expect: C-SIZE-001
    rec->count = r.u32();
    rec->samples = static_cast<Sample *>(std::malloc(rec->count * sizeof(Sample))); // expect: C-ALLOC-001
    return rec;
}

Record *decode_checked(const std::uint8_t *buf, std::size_t len)
{
    Cursor r{buf, len};
    std::size_t label_len = r.u8();
    if (label_len >= kLabelMax || !r.need(label_len + 4))
        return nullptr;
    auto *rec = new Record();
    std::memcpy(rec->label, r.here(), label_len); // ok: C-SIZE-001
    std::memcpy(rec->label, r.here(), std::min(label_len, kLabelMax - 1)); // ok: C-SIZE-001
    std::uint32_t count = r.u32();
    if (count > (1u << 20))
        return nullptr;
    rec->count = count;
    rec->samples = static_cast<Sample *>(std::calloc(count, sizeof(Sample))); // ok: C-ALLOC-001
    rec->samples = static_cast<Sample *>(std::malloc(rec->count * sizeof(Sample))); // ok: C-ALLOC-001
    return rec;
}

} // namespace telemetry_io
