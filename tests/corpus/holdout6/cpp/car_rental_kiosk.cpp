// Self-service car rental kiosk at an airport parking garage: the customer scans the booking QR code and the
// PDF417 barcode on the back of their driving licence, the kiosk checks the booking and opens the key locker.
// Attacker data: whatever is printed in those barcodes (anyone can print a PDF417 or QR code) and the text
// typed on the touchscreen. The kiosk runs as a service account that can drive the key-locker board.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct Licence {
    char family_name[40];
    char given_name[40];
    char number[20];
    char expiry[9];
    char state[3];
};

struct Booking {
    std::string reference;
    unsigned char pickup_secret[16];
    int locker_slot;
    const char *display_name;
};

static std::map<std::string, Booking *> g_bookings;
static FILE *g_audit;

// AAMVA element lines look like "DCSDOE" (family name), "DACJOHN" (given name), "DAQ123456789" (number).
static void parse_aamva(const char *barcode, Licence &out) {
    char line[256];
    const char *p = barcode;
    while (*p) {
        size_t n = std::strcspn(p, "\n");
        if (n >= sizeof line) n = sizeof line - 1;
        std::memcpy(line, p, n); // ok: C-SIZE-001
        line[n] = '\0';
        if (std::strncmp(line, "DCS", 3) == 0)
            std::strcpy(out.family_name, line + 3); // expect: C-BUF-002
        else if (std::strncmp(line, "DAC", 3) == 0)
            std::snprintf(out.given_name, sizeof out.given_name, "%s", line + 3); // ok: C-BUF-002
        else if (std::strncmp(line, "DBA", 3) == 0)
            std::sscanf(line + 3, "%8s", out.expiry); // ok: C-BUF-003
        else if (std::strncmp(line, "DAJ", 3) == 0)
            std::sscanf(line + 3, "%[A-Z]", out.state); // expect: C-BUF-003
        p += n + (p[n] == '\n');
    }
}

// The licence number arrives as a length-prefixed field in the compact (v2) encoding.
static void parse_compact_number(const uint8_t *field, Licence &out) {
    uint8_t len = field[0];
    std::memcpy(out.number, field + 1, len); // expect: C-SIZE-001
    out.number[sizeof out.number - 1] = '\0';
}

// The QR code holds "<reference>:<32 hex chars of the pickup secret>".
static bool decode_qr(const std::string &qr, std::string &ref, unsigned char secret[16]) {
    auto colon = qr.find(':');
    if (colon == std::string::npos || qr.size() - colon - 1 != 32)
        return false;
    ref = qr.substr(0, colon);
    for (int i = 0; i < 16; i++)
        secret[i] = static_cast<unsigned char>(std::strtoul(qr.substr(colon + 1 + 2 * i, 2).c_str(), nullptr, 16));
    return true;
}

static Booking *check_booking(const std::string &qr) {
    std::string ref;
    unsigned char secret[16];
    if (!decode_qr(qr, ref, secret) || !g_bookings.count(ref))
        return nullptr;
    Booking *b = g_bookings[ref];
    if (std::memcmp(b->pickup_secret, secret, sizeof secret) != 0) // expect: C-TIMING-001
        return nullptr;
    return b;
}

// Used by the mobile-app pickup flow, which shows the same QR code on the phone.
Booking *check_booking_v2(const std::string &qr) {
    std::string ref;
    unsigned char secret[16];
    if (!decode_qr(qr, ref, secret) || !g_bookings.count(ref))
        return nullptr;
    Booking *b = g_bookings[ref];
    return CRYPTO_memcmp(b->pickup_secret, secret, sizeof secret) == 0 ? b : nullptr; // ok: C-TIMING-001
}

static void greet(Booking *b, const Licence &lic) {
    b->display_name = (std::string(lic.given_name) + " " + lic.family_name).c_str();
    std::printf("Welcome, %s\n", b->display_name); // expect: C-MEM-002
}

static void audit(const Licence &lic, const std::string &note) {
    std::fprintf(g_audit, "pickup by %s %s: ", lic.given_name, lic.family_name); // ok: C-FMT-001
    std::fprintf(g_audit, note.c_str()); // expect: C-FMT-001
    std::fputc('\n', g_audit);
}

static void cancel_booking(const std::string &ref) {
    auto it = g_bookings.find(ref);
    if (it == g_bookings.end())
        return;
    Booking *b = it->second;
    delete b;
    std::fprintf(g_audit, "cancelled %s, slot %d freed\n", ref.c_str(), b->locker_slot); // expect: C-MEM-002
    g_bookings.erase(it);
}

// Damage photos taken by the kiosk camera: "count" frames of a fixed size, count typed by the customer.
static std::unique_ptr<uint8_t[]> photo_buffer(uint32_t count) {
    const uint32_t frame = 640u * 480u * 3u;
    if (count == 0 || count > 12)
        return nullptr;
    return std::unique_ptr<uint8_t[]>(new uint8_t[static_cast<size_t>(count) * frame]); // ok: C-ALLOC-001
}

static std::string new_locker_pin() {
    unsigned char raw[4];
    if (RAND_bytes(raw, sizeof raw) != 1) // ok: C-RAND-001
        std::abort();
    char pin[7];
    std::snprintf(pin, sizeof pin, "%06u", (raw[0] << 16 | raw[1] << 8 | raw[2]) % 1000000u);
    return pin;
}

void on_scan(const std::string &qr, const char *licence_barcode, const uint8_t *compact, const std::string &note,
             uint32_t damage_photos) {
    Licence lic{};
    parse_aamva(licence_barcode, lic);
    if (compact)
        parse_compact_number(compact, lic);
    Booking *b = check_booking(qr);
    if (!b)
        return;
    greet(b, lic);
    audit(lic, note);
    auto photos = photo_buffer(damage_photos);
    std::printf("Locker %d, PIN %s\n", b->locker_slot, new_locker_pin().c_str());
    if (note == "cancel")
        cancel_booking(b->reference);
}
