// metrics_exporter.cpp - collects counters and writes them in the Prometheus text format.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <syslog.h>
#include <vector>

#include <fmt/core.h>

namespace metrics {

struct Counter {
    std::string name;
    std::uint64_t value;
};

class Registry {
public:
    void add(const std::string &name, std::uint64_t value) { counters_.push_back({name, value}); }

    std::string render() const {
        std::string out;
        for (const auto &c : counters_) out += fmt::format("{} {}\n", c.name, c.value); // ok: C-FMT-001
        return out;
    }

    Counter *snapshot(std::size_t *count) const {
        if (counters_.size() > std::numeric_limits<std::size_t>::max() / sizeof(Counter))
            throw std::length_error("too many counters");
        auto *copy = new Counter[counters_.size()]; // ok: C-ALLOC-001
        for (std::size_t i = 0; i < counters_.size(); ++i) copy[i] = counters_[i];
        *count = counters_.size();
        return copy;
    }

private:
    std::vector<Counter> counters_;
};

void log_scrape(const char *peer) {
    syslog(LOG_INFO, "scrape from %s", peer); // ok: C-FMT-001
}

std::string label_value(const char *raw) {
    char buf[128];
    std::size_t n = std::strlen(raw);
    if (n >= sizeof buf) n = sizeof buf - 1;
    std::memcpy(buf, raw, n); // ok: C-BUF-005
    buf[n] = '\0';
    return std::string(buf);
}

void release(Counter *snapshot) {
    delete[] snapshot;
    snapshot = nullptr; // ok: C-MEM-002
}

std::unique_ptr<char[]> scratch(std::size_t rows, std::size_t width) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(rows, width, &bytes)) throw std::length_error("scratch too large");
    return std::unique_ptr<char[]>(static_cast<char *>(std::malloc(bytes))); // ok: C-ALLOC-001
}

const char *exporter_token() {
    const char *token = std::getenv("METRICS_EXPORTER_TOKEN"); // ok: C-SECRET-001
    return token ? token : "";
}

}  // namespace metrics
