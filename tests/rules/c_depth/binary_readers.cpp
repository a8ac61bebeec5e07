// Binary readers in C++: sizes given as constexpr constants, counts read by a reader object's width-named methods.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace fleet {

constexpr std::size_t kNameMax = 24;

struct Frame {
    std::uint32_t id;
};

struct Block {
    char device[kNameMax];
    std::uint32_t count = 0;
    Frame *frames = nullptr;
};

struct Reader {
    const std::uint8_t *data;
    std::size_t size;
    std::size_t pos = 0;

    bool need(std::size_t n) const { return n <= size - pos; }
    std::uint8_t u8() { return data[pos++]; }
    std::uint32_t u32()
    {
        std::uint32_t v;
        std::memcpy(&v, data + pos, sizeof(v)); // ok: C-SIZE-001
        pos += sizeof(v);
        return v;
    }
    const std::uint8_t *here() const { return data + pos; }
};

Block *decode(const std::uint8_t *buf, std::size_t len)
{
    Reader r{buf, len};
    std::uint8_t name_len = r.u8();
    if (!r.need(name_len + 4u))
        return nullptr;
    auto *blk = new Block();
    std::memcpy(blk->device, r.here(), name_len); // expect: C-SIZE-001
    blk->count = r.u32();
    blk->frames = static_cast<Frame *>(std::malloc(blk->count * sizeof(Frame))); // expect: C-ALLOC-001
    return blk;
}

Block *decode_checked(const std::uint8_t *buf, std::size_t len)
{
    Reader r{buf, len};
    std::size_t name_len = r.u8();
    if (name_len >= kNameMax || !r.need(name_len + 4))
        return nullptr;
    auto *blk = new Block();
    std::memcpy(blk->device, r.here(), name_len); // ok: C-SIZE-001
    std::memcpy(blk->device, r.here(), std::min(name_len, kNameMax - 1)); // ok: C-SIZE-001
    std::uint32_t count = r.u32();
    if (count > (1u << 20))
        return nullptr;
    blk->count = count;
    blk->frames = static_cast<Frame *>(std::calloc(count, sizeof(Frame))); // ok: C-ALLOC-001
    blk->frames = static_cast<Frame *>(std::malloc(blk->count * sizeof(Frame))); // ok: C-ALLOC-001
    return blk;
}

} // namespace fleet
