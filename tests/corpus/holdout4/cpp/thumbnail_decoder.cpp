// thumbnail_decoder.cpp - decoder for the "QIMG" preview format that the document rendering
// service produces for uploaded files. Thumbnails arrive from user uploads, so every header
// field is attacker-controlled.
//
// Layout: magic "QIMG", u32 width, u32 height, u8 bits, u16 palette_count, palette (RGBA * n),
//         u16 title_len, title bytes, pixel data.
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace qimg {

constexpr uint32_t kMaxSide = 8192;
constexpr size_t kMaxPalette = 256;

struct Rgba {
    uint8_t r, g, b, a;
};

struct Image {
    uint32_t width = 0;
    uint32_t height = 0;
    Rgba palette[kMaxPalette];
    char title[64];
    uint8_t *pixels = nullptr;
};

class Reader {
public:
    Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}

    void need(size_t n) const
    {
        if (n > size_ - pos_)
            throw std::runtime_error("truncated image");
    }
    uint32_t u32() { need(4); uint32_t v; std::memcpy(&v, data_ + pos_, 4); pos_ += 4; return v; }
    uint16_t u16() { need(2); uint16_t v; std::memcpy(&v, data_ + pos_, 2); pos_ += 2; return v; }
    uint8_t u8() { need(1); return data_[pos_++]; }
    const uint8_t *take(size_t n) { need(n); const uint8_t *p = data_ + pos_; pos_ += n; return p; }

private:
    const uint8_t *data_;
    size_t size_;
    size_t pos_ = 0;
};

// v1 decoder, still used for thumbnails stored before the 2.0 release.
Image *decode_v1(const uint8_t *data, size_t size)
{
    Reader in(data, size);
    if (std::memcmp(in.take(4), "QIMG", 4) != 0)
        return nullptr;
    auto *img = new Image();
    img->width = in.u32();
    img->height = in.u32();
    uint8_t bits = in.u8();
    uint16_t palette_count = in.u16();
    std::memcpy(img->palette, in.take(palette_count * sizeof(Rgba)), palette_count * sizeof(Rgba)); // expect: C-SIZE-001
    uint16_t title_len = in.u16();
    const char *title = reinterpret_cast<const char *>(in.take(title_len));
    std::string title_str(title, title_len);
    std::strcpy(img->title, title_str.c_str()); // expect: C-BUF-002
    uint32_t pixel_bytes = img->width * img->height * (bits / 8);
    img->pixels = static_cast<uint8_t *>(std::malloc(pixel_bytes)); // expect: C-ALLOC-001
    std::memcpy(img->pixels, in.take(pixel_bytes), pixel_bytes);
    return img;
}

// v2 decoder: every length is checked against the format limits and the destination.
std::unique_ptr<Image> decode_v2(const uint8_t *data, size_t size, std::vector<uint8_t> &pixels)
{
    Reader in(data, size);
    if (std::memcmp(in.take(4), "QIMG", 4) != 0)
        return nullptr;
    auto img = std::make_unique<Image>();
    img->width = in.u32();
    img->height = in.u32();
    uint8_t bits = in.u8();
    if (img->width == 0 || img->height == 0 || img->width > kMaxSide || img->height > kMaxSide || bits % 8 != 0)
        return nullptr;
    size_t palette_count = in.u16();
    if (palette_count > kMaxPalette)
        return nullptr;
    std::memcpy(img->palette, in.take(palette_count * sizeof(Rgba)), palette_count * sizeof(Rgba)); // ok: C-SIZE-001
    uint16_t title_len = in.u16();
    size_t n = title_len < sizeof img->title - 1 ? title_len : sizeof img->title - 1;
    std::memcpy(img->title, in.take(title_len), n); // ok: C-SIZE-001
    img->title[n] = '\0';
    size_t pixel_bytes = size_t{img->width} * img->height * (bits / 8);
    const uint8_t *src = in.take(pixel_bytes);
    pixels.assign(src, src + pixel_bytes); // ok: C-ALLOC-001
    return img;
}

void release(Image *img)
{
    std::free(img->pixels);
    delete img;
}

int write_preview(Image *img, const char *cache_dir)
{
    char resolved[128];
    if (realpath(cache_dir, resolved) == nullptr) // expect: C-BUF-004
        return -1;
    std::FILE *debug = std::fopen("/tmp/thumbd-last.ppm", "wb"); // expect: C-TEMP-001
    if (debug != nullptr) {
        std::fprintf(debug, "P6\n%u %u\n255\n", img->width, img->height);
        std::fclose(debug);
    }
    char out_path[PATH_MAX];
    std::snprintf(out_path, sizeof out_path, "%s/%s.ppm", resolved, "preview"); // ok: C-BUF-002
    release(img);
    std::fprintf(stderr, "wrote preview %s (%ux%u)\n", out_path, img->width, img->height); // expect: C-MEM-002
    return 0;
}

} // namespace qimg
