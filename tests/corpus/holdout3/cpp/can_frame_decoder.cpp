// can_frame_decoder.cpp - decodes the vehicle logger's capture files (CAN frames
// grouped into blocks) for the fleet dashboard's upload endpoint.
//
// Block: "BLK1" | device_name_len(u8) | device_name | frame_count(u32 LE) | frames
// Frame: id(u32 LE) | dlc(u8) | data(dlc) | timestamp_us(u64 LE)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleet {

constexpr std::size_t kMaxFrames = 1u << 20;
constexpr std::size_t kDeviceNameMax = 24;

struct CanFrame {
    std::uint32_t id;
    std::uint8_t dlc;
    std::uint8_t data[8];
    std::uint64_t timestamp_us;
};

constexpr std::uint32_t kFrameBytes = sizeof(CanFrame);

struct Block {
    char device[kDeviceNameMax];
    std::uint32_t frame_count = 0;
    CanFrame *frames = nullptr;
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
    std::uint64_t u64()
    {
        std::uint64_t v;
        std::memcpy(&v, data + pos, sizeof(v));
        pos += sizeof(v);
        return v;
    }
    const std::uint8_t *here() const { return data + pos; }
    void skip(std::size_t n) { pos += n; }
};

// Legacy decoder kept for the v1 upload path.
Block *decode_block_v1(const std::uint8_t *buf, std::size_t len)
{
    Reader r{buf, len};
    if (!r.need(5) || std::memcmp(r.here(), "BLK1", 4) != 0)
        return nullptr;
    r.skip(4);
    std::uint8_t name_len = r.u8();
    if (!r.need(name_len + 4u))
        return nullptr;
    auto *blk = new Block();
    std::memcpy(blk->device, r.here(), name_len); // expect: C-SIZE-001
    r.skip(name_len);
    blk->frame_count = r.u32();
    blk->frames = static_cast<CanFrame *>(std::malloc(blk->frame_count * kFrameBytes)); // expect: C-ALLOC-001
    bool truncated = blk->frames == nullptr;
    for (std::uint32_t i = 0; !truncated && i < blk->frame_count; ++i) {
        CanFrame &f = blk->frames[i];
        if (!r.need(5)) {
            std::free(blk->frames);
            truncated = true;
            break;
        }
        f.id = r.u32();
        f.dlc = r.u8();
        if (!r.need(f.dlc + 8u)) {
            truncated = true;
            break;
        }
        std::memcpy(f.data, r.here(), f.dlc); // expect: C-SIZE-001
        r.skip(f.dlc);
        f.timestamp_us = r.u64();
    }
    if (truncated) {
        std::fprintf(stderr, "capture block truncated after header\n");
        std::free(blk->frames); // expect: C-MEM-001
        delete blk;
        return nullptr;
    }
    return blk;
}

// Decoder for the v2 upload path: every length is checked against the input and the destination.
std::optional<std::vector<CanFrame>> decode_frames_v2(const std::uint8_t *buf, std::size_t len, std::string &device)
{
    Reader r{buf, len};
    if (!r.need(5) || std::memcmp(r.here(), "BLK1", 4) != 0)
        return std::nullopt;
    r.skip(4);
    std::size_t name_len = r.u8();
    if (!r.need(name_len + 4))
        return std::nullopt;
    device.assign(reinterpret_cast<const char *>(r.here()), std::min(name_len, kDeviceNameMax - 1));
    r.skip(name_len);
    std::uint32_t count = r.u32();
    if (count > kMaxFrames || !r.need(static_cast<std::size_t>(count) * 13))
        return std::nullopt;
    std::vector<CanFrame> frames(count); // ok: C-ALLOC-001
    for (auto &f : frames) {
        f.id = r.u32();
        f.dlc = std::min<std::uint8_t>(r.u8(), sizeof(f.data));
        if (!r.need(f.dlc + 8u))
            return std::nullopt;
        std::copy_n(r.here(), f.dlc, f.data); // ok: C-SIZE-001
        r.skip(f.dlc);
        f.timestamp_us = r.u64();
    }
    return frames;
}

std::string summarise(const std::uint8_t *buf, std::size_t len, const char *uploader)
{
    Block *blk = decode_block_v1(buf, len);
    if (blk == nullptr)
        return "not a capture file";
    char label[kDeviceNameMax];
    std::strncpy(label, uploader, std::strlen(uploader)); // expect: C-BUF-005
    if (blk->frame_count == 0) {
        std::free(blk->frames);
        delete blk;
        std::fprintf(stderr, "empty capture from %s (%s)\n", blk->device, label); // expect: C-MEM-002
        return "empty";
    }
    char line[128];
    std::snprintf(line, sizeof(line), "%s: %u frames, first id 0x%x", blk->device, blk->frame_count, blk->frames[0].id); // ok: C-BUF-002, C-FMT-001
    std::string out(line);
    std::free(blk->frames);
    delete blk;
    return out; // ok: C-MEM-002
}

void report_error(const std::string &device, const char *reason)
{
    std::string msg = "decode failed for " + device + ": " + reason + "\n";
    std::fprintf(stderr, msg.c_str()); // expect: C-FMT-001
    std::fputs(msg.c_str(), stderr); // ok: C-FMT-001
}

} // namespace fleet
