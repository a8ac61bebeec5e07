// plugin_loader.cpp - loads editor extensions from ~/.studio/plugins.
//
// Each plugin folder holds plugin.ini (name, version, entry library, optional setup script) and
// a shared library. Plugins are downloaded from the community marketplace, so everything in
// plugin.ini is untrusted until the signature check has passed.
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

struct PluginInfo {
    char name[64];
    char version[16];
    std::string entry;
    std::string setup;
    std::string description;
};

using IniMap = std::map<std::string, std::string>;

static IniMap read_ini(const std::string &path)
{
    IniMap values;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos)
            values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return values;
}

static bool parse_info(const IniMap &ini, PluginInfo &info)
{
    auto name = ini.find("name");
    auto version = ini.find("version");
    if (name == ini.end() || version == ini.end())
        return false;
    strncpy(info.name, name->second.c_str(), strlen(name->second.c_str())); // expect: C-BUF-005
    std::snprintf(info.version, sizeof info.version, "%s", version->second.c_str()); // ok: C-BUF-005
    info.entry = ini.count("entry") ? ini.at("entry") : "libplugin.so";
    info.setup = ini.count("setup") ? ini.at("setup") : "";
    info.description = ini.count("description") ? ini.at("description") : "";
    return true;
}

static bool is_prerelease(const PluginInfo &info)
{
    int major = 0, minor = 0;
    char channel[8] = "";
    std::sscanf(info.version, "%d.%d-%s", &major, &minor, channel); // expect: C-BUF-003
    return channel[0] != '\0';
}

static void log_plugin(const PluginInfo &info)
{
    char line[256];
    std::sprintf(line, "loaded %s %s: %s\n", info.name, info.version, info.description.c_str()); // expect: C-BUF-002
    std::fputs(line, stderr);
    std::printf(info.description.c_str()); // expect: C-FMT-001
    std::printf("%s\n", info.name); // ok: C-FMT-001
}

static int run_setup(const std::string &dir, const PluginInfo &info)
{
    if (info.setup.empty())
        return 0;
    std::string cmd = "cd " + dir + " && sh " + info.setup;
    return std::system(cmd.c_str()); // expect: C-CMDI-001
}

static int run_setup_sandboxed(const std::string &dir, const PluginInfo &info)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/bwrap", "bwrap", "--ro-bind", "/usr", "/usr", "--bind", dir.c_str(), "/plugin", "--chdir",
              "/plugin", "/bin/sh", "setup.sh", static_cast<char *>(nullptr)); // ok: C-CMDI-001
        _exit(127);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct LoadedPlugin {
    void *handle;
    const char *display_name;
};

static LoadedPlugin load(const std::string &dir, const PluginInfo &info)
{
    LoadedPlugin p{};
    std::string lib = dir + "/" + info.entry;
    p.handle = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    p.display_name = (std::string(info.name) + " " + info.version).c_str();
    return p;
}

static void announce(const LoadedPlugin &p)
{
    std::fprintf(stderr, "plugin ready: %s\n", p.display_name); // expect: C-MEM-002
}

// The marketplace client caches the signed index next to the plugins; it is optional.
static int load_index_cache(const std::string &path, std::vector<std::string> &names)
{
    std::FILE *f = std::fopen(path.c_str(), "rb");
    if (f == nullptr)
        return -1;
    char *buf = static_cast<char *>(std::calloc(65536, 1)); // ok: C-ALLOC-001
    if (buf == nullptr) {
        std::fclose(f);
        return -1;
    }
    size_t n = std::fread(buf, 1, 65535, f);
    if (n == 0) {
        std::free(buf);
        goto done;
    }
    for (char *tok = std::strtok(buf, "\n"); tok != nullptr; tok = std::strtok(nullptr, "\n"))
        names.emplace_back(tok);
done:
    std::free(buf); // expect: C-MEM-001
    std::fclose(f);
    return static_cast<int>(names.size());
}

int load_all(const std::vector<std::string> &dirs, bool sandbox)
{
    int loaded = 0;
    std::vector<std::string> indexed;
    load_index_cache(std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.studio/index.cache", indexed);
    for (const auto &dir : dirs) {
        PluginInfo info{};
        if (!parse_info(read_ini(dir + "/plugin.ini"), info))
            continue;
        if ((sandbox ? run_setup_sandboxed(dir, info) : run_setup(dir, info)) != 0)
            continue;
        LoadedPlugin p = load(dir, info);
        if (p.handle == nullptr) {
            std::fprintf(stderr, "cannot load %s: %s\n", info.entry.c_str(), dlerror()); // ok: C-FMT-001
            continue;
        }
        log_plugin(info);
        if (is_prerelease(info))
            std::fprintf(stderr, "%s is a pre-release build\n", info.name);
        announce(p);
        loaded++;
    }
    return loaded;
}
