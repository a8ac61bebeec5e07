// session_cache.cpp - in-memory session cache for the gateway, with an admin command channel.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <syslog.h>

#include <fmt/core.h>

namespace gateway {

const std::string kSessionSigningKey = "gw-sess-9c2f7e41b8d05a63"; // expect: C-SECRET-001

struct Session {
    std::string user;
    std::string token;
    long expires_at;
};

class SessionCache {
public:
    ~SessionCache() {
        for (auto &kv : sessions_) delete kv.second;
    }

    void put(const std::string &id, Session *s) { sessions_[id] = s; }

    void expire(const std::string &id) {
        auto it = sessions_.find(id);
        if (it == sessions_.end()) return;
        Session *s = it->second;
        delete s;
        std::printf("expired session for %s\n", s->user.c_str()); // expect: C-MEM-002
        sessions_.erase(it);
    }

    std::string describe(const std::string &id, const std::string &template_text) {
        auto it = sessions_.find(id);
        if (it == sessions_.end()) return "";
        return fmt::format(fmt::runtime(template_text), it->second->user, it->second->expires_at); // expect: C-FMT-001
    }

private:
    std::map<std::string, Session *> sessions_;
};

void audit(const char *client_line) {
    syslog(LOG_NOTICE, client_line); // expect: C-FMT-001
}

void report(const std::string &status_line) {
    std::printf(status_line.c_str()); // expect: C-FMT-001
}

char *copy_token(const char *token) {
    char *buf = static_cast<char *>(std::malloc(64));
    if (buf == nullptr) return nullptr;
    std::strncpy(buf, token, std::strlen(token)); // expect: C-BUF-005
    return buf;
}

void drop_buffer(char *buf) {
    std::free(buf);
    std::free(buf); // expect: C-MEM-001
}

}  // namespace gateway
