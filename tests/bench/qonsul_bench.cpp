// qonsul-bench: the load generator and probes behind scripts/bench.sh. Linux only (epoll), no Qt,
// so that the client costs as little CPU as possible next to the agent it measures. It prints
// human-readable lines and one "RESULT key=value ..." line per measurement for the script.
//
//   qonsul-bench freeport                                  a free TCP port on 127.0.0.1
//   qonsul-bench ready    --port P [--timeout-ms 10000]    wait for /v1/status/leader to answer
//   qonsul-bench watchers --port P --pid PID [--count N] [--sources S]
//         N blocking queries GET /v1/kv/w/<i>?index=<current>&wait=5m, one keep-alive connection
//         each, spread over source addresses 127.0.0.2 .. 127.0.0.(1+S); agent VmRSS before and
//         after -> bytes per watcher; then one write to w/<N/2> must wake exactly one of them.
//   qonsul-bench wake     --port P --pid PID [--count N]
//         N watchers on GET /v1/kv/p/?recurse&index=<i>; a write elsewhere must wake none within
//         1 s; a write under p/ must wake all: latency from the write to each watcher's reply.
//   qonsul-bench sendfloor [--count 9900] [--threads 1] [--bytes 400] [--timestamps 0|1] [--epoll 0|1]
//         no agent: the kernel's own cost of answering N parked loopback connections, i.e. N
//         connection pairs in this process and one send() of the given size on each server
//         end, spread over T threads; wall and CPU time. The floor under `wake`.
//   qonsul-bench startup  --bin PATH [--runs 20]
//         starts `PATH agent -dev` on free ports, times process start -> first 200 from
//         /v1/status/leader with a leader, then VmRSS after 1 s idle; median and max.
//   qonsul-bench ttl      --port P --pid PID [--count 10000] [--rounds 10] [--connections 50]
//         registers N TTL checks (ttl 1h, pipelined on one connection), then R rounds: each
//         writes PUT /v1/agent/check/pass/<id> for all N at once, spread over C new keep-alive
//         connections and pipelined, and times every reply from the burst's first write.
//         Round 1 turns every check critical -> passing (a status change each, synced to the
//         catalog; its CPU is counted until the agent is idle); rounds 2..R, one second apart,
//         renew an unchanged status (only the TTL timers move): agent CPU (all threads'
//         schedstat) per round and over their wall time. VmRSS before registering, after
//         registering, after the rounds.
//   qonsul-bench checks   --port P --pid PID [--http 1000] [--tcp 1000] [--interval-ms 1000]
//                         [--warmup-s 10] [--seconds 30]
//         runs the checks' targets in this process (one HTTP/1.1 listener answering 200 to
//         GET /c/<i>, and one listener per TCP check, all on 127.0.0.1, served by one epoll
//         thread), registers the HTTP and TCP checks at the given interval, lets them run for
//         the warm-up, then records every probe's arrival (accept time) for the given seconds:
//         agent CPU (schedstat) and VmRSS over that window, and each check's periods (the time
//         between its consecutive probes): mean, percentiles, the fraction within +-10% of the
//         interval and the worst, overall and per kind.
//
// Reply times in `wake` are the kernel's receive timestamps (SO_TIMESTAMPNS), so they do not
// include the time this single-threaded client takes to get round to reading 10,000 sockets.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace {

int64_t nowNs(clockid_t clock = CLOCK_MONOTONIC)
{
    timespec ts {};
    clock_gettime(clock, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void sleepMs(int ms)
{
    timespec ts { ms / 1000, long(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
}

[[noreturn]] void die(const char *what)
{
    std::fprintf(stderr, "qonsul-bench: %s: %s\n", what, std::strerror(errno));
    std::exit(2);
}

// ---------------------------------------------------------------- arguments

struct Args
{
    std::string mode;
    std::map<std::string, std::string> opts;

    long num(const std::string &key, long fallback) const
    {
        const auto it = opts.find(key);
        return it == opts.end() ? fallback : std::strtol(it->second.c_str(), nullptr, 10);
    }
    std::string str(const std::string &key, const std::string &fallback = {}) const
    {
        const auto it = opts.find(key);
        return it == opts.end() ? fallback : it->second;
    }
};

Args parseArgs(int argc, char **argv)
{
    Args a;
    if (argc > 1)
        a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) {
            std::fprintf(stderr, "qonsul-bench: unexpected argument %s\n", argv[i]);
            std::exit(2);
        }
        k = k.substr(2);
        a.opts[k] = i + 1 < argc ? argv[++i] : "";
    }
    return a;
}

// ---------------------------------------------------------------- /proc

long procStatusKb(pid_t pid, const char *field) // e.g. "VmRSS"
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/status", int(pid));
    FILE *f = std::fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    long kb = -1;
    const size_t n = std::strlen(field);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = std::strtol(line + n + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kb;
}

long procCpuTicks(pid_t pid, long *user = nullptr, long *kernel = nullptr) // utime + stime
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
    FILE *f = std::fopen(path, "r");
    if (!f)
        return -1;
    char buf[2048];
    const size_t got = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[got] = 0;
    const char *p = std::strrchr(buf, ')'); // the command name may contain spaces
    if (!p)
        return -1;
    // After ")": state(3) ppid(4) ... utime(14) stime(15).
    long fields[16] = {};
    int field = 2;
    for (const char *s = p + 1; *s && field < 15;) {
        while (*s == ' ')
            ++s;
        ++field;
        char *end = nullptr;
        const long v = std::strtol(s, &end, 10);
        if (field >= 14)
            fields[field] = v;
        s = end && end != s ? end : s + 1;
        while (*s && *s != ' ')
            ++s;
    }
    if (user)
        *user = fields[14];
    if (kernel)
        *kernel = fields[15];
    return fields[14] + fields[15];
}

// CPU time the process has run, in ns, all threads (/proc/<pid>/task/*/schedstat, first field):
// unlike wall-clock times it does not grow when other jobs share the machine.
int64_t procCpuNs(pid_t pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/task", int(pid));
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int64_t total = 0;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        char file[600];
        std::snprintf(file, sizeof file, "%s/%s/schedstat", path, e->d_name);
        if (FILE *f = std::fopen(file, "r")) {
            long long ns = 0;
            if (std::fscanf(f, "%lld", &ns) == 1)
                total += ns;
            std::fclose(f);
        }
    }
    closedir(d);
    return total;
}

long procFdCount(pid_t pid)
{
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fd", int(pid));
    DIR *d = opendir(path);
    if (!d)
        return -1;
    long n = 0;
    while (dirent *e = readdir(d)) {
        if (e->d_name[0] != '.')
            ++n;
    }
    closedir(d);
    return n;
}

void raiseFdLimit()
{
    rlimit rl {};
    getrlimit(RLIMIT_NOFILE, &rl);
    rlimit want = rl;
    want.rlim_cur = want.rlim_max = std::max<rlim_t>(rl.rlim_max, 200000);
    if (setrlimit(RLIMIT_NOFILE, &want) != 0) { // needs CAP_SYS_RESOURCE
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

long fdLimit()
{
    rlimit rl {};
    getrlimit(RLIMIT_NOFILE, &rl);
    return long(rl.rlim_cur);
}

// ---------------------------------------------------------------- a small blocking HTTP client

sockaddr_in loopback(uint16_t port, const char *ip = "127.0.0.1")
{
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

struct Reply
{
    int status = 0;
    std::string head;
    std::string body;
    int64_t rxRealtimeNs = 0; // kernel receive timestamp of the reply's first bytes (if asked)

    std::string header(const char *name) const
    {
        std::string lower = head;
        for (char &c : lower)
            c = char(std::tolower(static_cast<unsigned char>(c)));
        std::string key = std::string("\r\n") + name + ":";
        for (char &c : key)
            c = char(std::tolower(static_cast<unsigned char>(c)));
        const size_t at = lower.find(key);
        if (at == std::string::npos)
            return {};
        size_t start = at + key.size();
        while (start < head.size() && head[start] == ' ')
            ++start;
        const size_t end = head.find("\r\n", start);
        return head.substr(start, end - start);
    }
};

// Finds one complete response at the start of `buf` (Content-Length framing or chunked); returns
// its length, or 0 when more bytes are needed.
size_t parseResponse(const std::string &buf, Reply *out)
{
    const size_t headEnd = buf.find("\r\n\r\n");
    if (headEnd == std::string::npos)
        return 0;
    Reply r;
    r.head = buf.substr(0, headEnd + 2);
    if (r.head.size() > 12)
        r.status = std::atoi(r.head.c_str() + 9);
    const std::string cl = r.header("Content-Length");
    size_t pos = headEnd + 4;
    if (!cl.empty()) {
        const size_t len = std::strtoul(cl.c_str(), nullptr, 10);
        if (buf.size() < pos + len)
            return 0;
        r.body = buf.substr(pos, len);
        pos += len;
    } else if (r.header("Transfer-Encoding").find("chunked") != std::string::npos) {
        while (true) {
            const size_t lineEnd = buf.find("\r\n", pos);
            if (lineEnd == std::string::npos)
                return 0;
            const size_t size = std::strtoul(buf.c_str() + pos, nullptr, 16);
            if (buf.size() < lineEnd + 2 + size + 2)
                return 0;
            r.body.append(buf, lineEnd + 2, size);
            pos = lineEnd + 2 + size + 2;
            if (size == 0)
                break;
        }
    }
    *out = std::move(r);
    return pos;
}

class HttpClient
{
public:
    ~HttpClient() { close(); }
    bool connect(uint16_t port, bool timestamps = false)
    {
        close();
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (m_fd < 0)
            return false;
        const int one = 1;
        setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (timestamps)
            setsockopt(m_fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        timeval tv { 10, 0 };
        setsockopt(m_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(m_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        const sockaddr_in a = loopback(port);
        if (::connect(m_fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
            close();
            return false;
        }
        return true;
    }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
        m_buf.clear();
    }
    bool sendAll(const std::string &data)
    {
        size_t off = 0;
        while (off < data.size()) {
            const ssize_t n = ::send(m_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) {
                if (n < 0 && errno == EINTR)
                    continue;
                return false;
            }
            off += size_t(n);
        }
        return true;
    }
    std::optional<Reply> read()
    {
        int64_t firstTs = 0;
        while (true) {
            Reply r;
            if (const size_t used = parseResponse(m_buf, &r)) {
                m_buf.erase(0, used);
                r.rxRealtimeNs = firstTs;
                return r;
            }
            char data[65536];
            char control[256];
            iovec iov { data, sizeof data };
            msghdr msg {};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(m_fd, &msg, 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return std::nullopt;
            if (m_buf.empty() && !firstTs)
                firstTs = kernelTimestamp(msg);
            m_buf.append(data, size_t(n));
        }
    }
    std::optional<Reply> request(const std::string &method, const std::string &target,
                                 const std::string &body = {})
    {
        if (!sendAll(format(method, target, body)))
            return std::nullopt;
        return read();
    }
    static std::string format(const std::string &method, const std::string &target, const std::string &body)
    {
        std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!body.empty() || method == "PUT" || method == "POST")
            r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        r += "\r\n";
        r += body;
        return r;
    }
    static int64_t kernelTimestamp(msghdr &msg)
    {
        for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                timespec ts;
                std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
            }
        }
        return 0;
    }
    int fd() const { return m_fd; }

private:
    int m_fd = -1;
    std::string m_buf;
};

std::optional<Reply> httpOnce(uint16_t port, const std::string &method, const std::string &target,
                              const std::string &body = {})
{
    HttpClient c;
    if (!c.connect(port))
        return std::nullopt;
    return c.request(method, target, body);
}

// ---------------------------------------------------------------- many idle connections (epoll)

struct Conn
{
    int fd = -1;
    enum State : uint8_t { Idle, Connecting, Waiting, Answered, Failed } state = Idle;
    bool okStatus = false;
    int64_t rxKernelNs = 0; // CLOCK_REALTIME, first reply bytes (kernel timestamp)
    int64_t rxUserNs = 0; // CLOCK_REALTIME, when this client read them
};

class Herd
{
public:
    // `target(i)` is the request target of connection i.
    Herd(uint16_t port, int count, int sources, bool timestamps)
        : m_port(port)
        , m_conns(size_t(count))
        , m_sources(std::max(1, sources))
        , m_timestamps(timestamps)
    {
        m_ep = epoll_create1(EPOLL_CLOEXEC);
        if (m_ep < 0)
            die("epoll_create1");
    }
    ~Herd()
    {
        closeAll();
        ::close(m_ep);
    }

    template<class TargetFn>
    void setRequests(TargetFn target)
    {
        m_requests.resize(m_conns.size());
        for (size_t i = 0; i < m_conns.size(); ++i)
            m_requests[i] = HttpClient::format("GET", target(int(i)), {});
    }

    // Opens every connection and sends its request, at most `window` connects in flight. With
    // `pid`, also at most `unaccepted` connections that the agent has not accepted yet (counted by
    // its descriptors over `baseFds`): a handshake completes in the kernel before accept(), and an
    // overflowing listen backlog drops SYNs, which the client only retries after 1 s, 3 s, ...
    // Returns false if some failed.
    bool open(pid_t pid = 0, long baseFds = 0, int window = 256, int unaccepted = 512)
    {
        size_t next = 0;
        int inflight = 0;
        long accepted = 0;
        int64_t lastCount = 0;
        const int64_t start = nowNs();
        while (next < m_conns.size() || inflight > 0) {
            if (pid > 0 && nowNs() - lastCount > 20000000) { // reading /proc/<pid>/fd is not free
                accepted = std::max(0L, procFdCount(pid) - baseFds);
                lastCount = nowNs();
            }
            bool paced = false;
            while (next < m_conns.size() && inflight < window) {
                if (pid > 0 && long(next) - accepted >= unaccepted) {
                    paced = true;
                    break;
                }
                startConnect(int(next++));
                ++inflight;
            }
            inflight -= poll(paced ? 5 : 50);
            if (nowNs() - start > 120LL * 1000000000) {
                std::fprintf(stderr, "qonsul-bench: connecting timed out (%d in flight)\n", inflight);
                return false;
            }
        }
        return m_failed == 0;
    }

    // Services sockets for up to `ms`; returns how many connects completed (or failed).
    int poll(int ms)
    {
        epoll_event events[1024];
        const int n = epoll_wait(m_ep, events, 1024, ms);
        int connected = 0;
        for (int i = 0; i < n; ++i) {
            Conn &c = m_conns[events[i].data.u32];
            const int index = int(events[i].data.u32);
            if (c.state == Conn::Connecting) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
                ++connected;
                if (err || (events[i].events & (EPOLLERR | EPOLLHUP))) {
                    fail(c, err ? err : ECONNRESET);
                    continue;
                }
                const std::string &req = m_requests[size_t(index)];
                const ssize_t sent = ::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL);
                if (sent != ssize_t(req.size())) { // a few dozen bytes on a fresh socket
                    fail(c, errno ? errno : EMSGSIZE);
                    continue;
                }
                c.state = Conn::Waiting;
                epoll_event ev {};
                ev.events = EPOLLIN | EPOLLRDHUP;
                ev.data.u32 = uint32_t(index);
                epoll_ctl(m_ep, EPOLL_CTL_MOD, c.fd, &ev);
                ++m_waiting;
                continue;
            }
            if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
                readable(c);
        }
        return connected;
    }

    void closeAll()
    {
        for (Conn &c : m_conns) {
            if (c.fd >= 0)
                ::close(c.fd);
            c.fd = -1;
        }
    }

    int answered() const { return m_answered; }
    int answeredOk() const { return m_answeredOk; }
    int closedByPeer() const { return m_peerClosed; }
    int failed() const { return m_failed; }
    int waiting() const { return m_waiting; }
    const std::vector<Conn> &conns() const { return m_conns; }
    const std::string &firstAnswer() const { return m_firstAnswer; }
    void resetCounts()
    {
        m_answered = m_answeredOk = m_peerClosed = 0;
    }

private:
    void startConnect(int i)
    {
        Conn &c = m_conns[size_t(i)];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            std::fprintf(stderr, "qonsul-bench: socket #%d: %s\n", i, std::strerror(errno));
            c.state = Conn::Failed;
            ++m_failed;
            return;
        }
        const int one = 1;
        setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (m_timestamps)
            setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        // Each loopback source address has its own ~28k ephemeral ports towards the agent's port.
        setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        char ip[32];
        std::snprintf(ip, sizeof ip, "127.0.0.%d", 2 + i % m_sources);
        const sockaddr_in src = loopback(0, ip);
        if (::bind(c.fd, reinterpret_cast<const sockaddr *>(&src), sizeof src) != 0)
            die("bind source address");
        const sockaddr_in dst = loopback(m_port);
        c.state = Conn::Connecting;
        epoll_event ev {};
        ev.events = EPOLLOUT;
        ev.data.u32 = uint32_t(i);
        if (::connect(c.fd, reinterpret_cast<const sockaddr *>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
            fail(c, errno);
            return;
        }
        epoll_ctl(m_ep, EPOLL_CTL_ADD, c.fd, &ev);
    }

    void fail(Conn &c, int err)
    {
        if (m_failed < 5)
            std::fprintf(stderr, "qonsul-bench: connection failed: %s\n", std::strerror(err));
        if (c.state == Conn::Waiting)
            --m_waiting;
        c.state = Conn::Failed;
        ++m_failed;
        epoll_ctl(m_ep, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }

    void readable(Conn &c)
    {
        char data[4096];
        char control[256];
        while (true) {
            iovec iov { data, sizeof data };
            msghdr msg {};
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control;
            msg.msg_controllen = sizeof control;
            const ssize_t n = ::recvmsg(c.fd, &msg, MSG_DONTWAIT);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            if (n <= 0) { // closed by the agent (or reset)
                ++m_peerClosed;
                if (c.state == Conn::Waiting)
                    --m_waiting;
                c.state = Conn::Failed;
                epoll_ctl(m_ep, EPOLL_CTL_DEL, c.fd, nullptr);
                ::close(c.fd);
                c.fd = -1;
                return;
            }
            if (c.state == Conn::Waiting) {
                c.state = Conn::Answered;
                --m_waiting;
                c.rxUserNs = nowNs(CLOCK_REALTIME);
                c.rxKernelNs = m_timestamps ? HttpClient::kernelTimestamp(msg) : 0;
                c.okStatus = n >= 12 && std::memcmp(data, "HTTP/1.1 200", 12) == 0;
                ++m_answered;
                if (c.okStatus)
                    ++m_answeredOk;
                if (m_firstAnswer.empty())
                    m_firstAnswer.assign(data, size_t(std::min<ssize_t>(n, 400)));
            }
            // Later bytes (rest of the body) are discarded.
        }
    }

    uint16_t m_port;
    int m_ep = -1;
    std::vector<Conn> m_conns;
    std::vector<std::string> m_requests;
    int m_sources;
    bool m_timestamps;
    int m_failed = 0;
    int m_waiting = 0;
    int m_answered = 0;
    int m_answeredOk = 0;
    int m_peerClosed = 0;
    std::string m_firstAnswer;
};

// Waits (servicing the herd) until the agent holds `fds` descriptors and its CPU time has not
// moved for 500 ms: every request has been read, parsed and parked.
bool settle(Herd &herd, pid_t pid, long fds, int timeoutMs)
{
    const int64_t deadline = nowNs() + int64_t(timeoutMs) * 1000000;
    long lastTicks = -1;
    int64_t stableSince = 0;
    while (nowNs() < deadline) {
        herd.poll(100);
        const long have = procFdCount(pid);
        const long ticks = procCpuTicks(pid);
        if (have < 0 || ticks < 0)
            return false;
        if (have < fds) {
            stableSince = 0;
            continue;
        }
        if (ticks != lastTicks) {
            lastTicks = ticks;
            stableSince = nowNs();
        } else if (nowNs() - stableSince >= 500000000) {
            return true;
        }
    }
    return false;
}

// Services the herd for `ms`; returns how many replies arrived meanwhile.
int drain(Herd &herd, int ms)
{
    const int before = herd.answered() + herd.closedByPeer();
    const int64_t end = nowNs() + int64_t(ms) * 1000000;
    while (nowNs() < end)
        herd.poll(int(std::max<int64_t>(1, (end - nowNs()) / 1000000)));
    return herd.answered() + herd.closedByPeer() - before;
}

std::optional<uint64_t> currentIndex(uint16_t port, const std::string &target)
{
    const auto r = httpOnce(port, "GET", target);
    if (!r)
        return std::nullopt;
    const std::string idx = r->header("X-Consul-Index");
    if (idx.empty())
        return std::nullopt;
    return std::strtoull(idx.c_str(), nullptr, 10);
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t i = size_t(std::min<double>(double(v.size() - 1), p / 100.0 * double(v.size() - 1) + 0.5));
    return v[i];
}

// ---------------------------------------------------------------- modes

int modeFreePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0)
        die("bind");
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
    std::printf("%d\n", ntohs(a.sin_port));
    ::close(fd);
    return 0;
}

bool leaderReady(uint16_t port)
{
    const auto r = httpOnce(port, "GET", "/v1/status/leader");
    return r && r->status == 200 && !r->body.empty() && r->body != "\"\"";
}

int modeReady(const Args &a)
{
    const auto port = uint16_t(a.num("port", 8500));
    const int64_t deadline = nowNs() + a.num("timeout-ms", 10000) * 1000000;
    while (nowNs() < deadline) {
        if (leaderReady(port))
            return 0;
        sleepMs(10);
    }
    std::fprintf(stderr, "qonsul-bench: agent on port %d not ready\n", port);
    return 1;
}

bool putKeys(uint16_t port, const std::string &prefix, int count)
{
    HttpClient c;
    if (!c.connect(port))
        return false;
    constexpr int kBatch = 200; // pipelined
    for (int i = 0; i < count; i += kBatch) {
        const int n = std::min(kBatch, count - i);
        std::string out;
        for (int j = 0; j < n; ++j)
            out += HttpClient::format("PUT", "/v1/kv/" + prefix + std::to_string(i + j), "v");
        if (!c.sendAll(out))
            return false;
        for (int j = 0; j < n; ++j) {
            const auto r = c.read();
            if (!r || r->status != 200)
                return false;
        }
    }
    return true;
}

int modeWatchers(const Args &a)
{
    raiseFdLimit();
    const auto port = uint16_t(a.num("port", 8500));
    const pid_t pid = pid_t(a.num("pid", 0));
    const long wanted = a.num("count", 50000);
    // Both ends need one descriptor per watcher; the agent's limit is passed by the script.
    const long agentLimit = a.num("agent-fd-limit", fdLimit());
    const long count = std::min({ wanted, fdLimit() - 100, agentLimit - 100 });
    const int sources = int(a.num("sources", (count + 15999) / 16000));
    if (count < wanted)
        std::printf("watchers: %ld requested, but RLIMIT_NOFILE (client %ld, agent %ld) allows %ld\n",
                    wanted, fdLimit(), agentLimit, count);

    if (!putKeys(port, "w/", int(count))) {
        std::fprintf(stderr, "qonsul-bench: could not create keys w/*\n");
        return 1;
    }
    const auto index = currentIndex(port, "/v1/kv/w/?keys"); // the highest index under w/
    if (!index)
        return 1;
    Herd herd(port, int(count), sources, false);
    herd.setRequests([&](int i) {
        return "/v1/kv/w/" + std::to_string(i) + "?index=" + std::to_string(*index) + "&wait=5m";
    });
    settle(herd, pid, 0, 10000); // the set-up connections are closed, the agent idle
    const long fdsBefore = procFdCount(pid);
    const long rssBefore = procStatusKb(pid, "VmRSS");
    const long anonBefore = procStatusKb(pid, "RssAnon");
    std::printf("watchers: agent pid %d, %ld keys, index %llu, VmRSS before %ld kB (RssAnon %ld kB)\n", int(pid),
                count, (unsigned long long)*index, rssBefore, anonBefore);

    const int64_t t0 = nowNs();
    const bool opened = herd.open(pid, fdsBefore);
    const double openSec = double(nowNs() - t0) / 1e9;
    const bool settled = settle(herd, pid, fdsBefore + count, 120000);
    const double settleSec = double(nowNs() - t0) / 1e9;
    const int early = drain(herd, 1000);
    const long rssAfter = procStatusKb(pid, "VmRSS");
    const long anonAfter = procStatusKb(pid, "RssAnon");
    const long fdsAfter = procFdCount(pid);
    const int earlyTotal = herd.answered() + herd.closedByPeer();
    const double perWatcher = count > 0 ? double(rssAfter - rssBefore) * 1024.0 / double(count) : 0;
    std::printf("watchers: %ld connections from %d source addresses opened in %.2f s (failed %d), agent settled "
                "after %.2f s (%s), agent fds %ld -> %ld\n",
                count, sources, openSec, herd.failed(), settleSec, settled ? "ok" : "TIMED OUT", fdsBefore, fdsAfter);
    std::printf("watchers: VmRSS after %ld kB (RssAnon %ld kB): %.0f bytes per watcher; replies before any write: "
                "%d (%d in the last second)\n",
                rssAfter, anonAfter, perWatcher, earlyTotal, early);
    if (earlyTotal)
        std::printf("watchers: first early reply: %.200s\n", herd.firstAnswer().c_str());

    // One write wakes exactly its own watcher.
    herd.resetCounts();
    const auto put = httpOnce(port, "PUT", "/v1/kv/w/" + std::to_string(count / 2), "changed");
    const int woken = drain(herd, 1000);
    std::printf("watchers: a write to w/%ld woke %d watcher(s) (expected 1)\n", count / 2, woken);

    std::printf("RESULT watchers=%ld requested=%ld sources=%d failed=%d rss_before_kb=%ld rss_after_kb=%ld "
                "bytes_per_watcher=%.0f early_replies=%d single_write_woke=%d settled=%d put_ok=%d\n",
                count, wanted, sources, herd.failed(), rssBefore, rssAfter, perWatcher, earlyTotal, woken,
                settled ? 1 : 0, put && put->status == 200 ? 1 : 0);
    return opened && settled && earlyTotal == 0 && woken == 1 ? 0 : 1;
}

int modeWake(const Args &a)
{
    raiseFdLimit();
    const auto port = uint16_t(a.num("port", 8500));
    const pid_t pid = pid_t(a.num("pid", 0));
    const long count = std::min(a.num("count", 10000), fdLimit() - 100);
    const int sources = int(a.num("sources", (count + 15999) / 16000));

    if (!httpOnce(port, "PUT", "/v1/kv/p/seed", "seed"))
        return 1;
    const auto index = currentIndex(port, "/v1/kv/p/?recurse");
    if (!index)
        return 1;
    Herd herd(port, int(count), sources, true);
    herd.setRequests([&](int) { return "/v1/kv/p/?recurse&index=" + std::to_string(*index) + "&wait=5m"; });
    settle(herd, pid, 0, 10000);
    const long fdsBefore = procFdCount(pid);
    const bool opened = herd.open(pid, fdsBefore);
    const bool settled = settle(herd, pid, fdsBefore + count, 120000);
    const int early = drain(herd, 500) + herd.answered();
    std::printf("wake: %ld watchers on p/ (index %llu) parked: %s, replies before any write: %d\n", count,
                (unsigned long long)*index, settled ? "ok" : "TIMED OUT", early);

    // A write outside the prefix must wake nobody.
    herd.resetCounts();
    const auto other = httpOnce(port, "PUT", "/v1/kv/q/elsewhere", "x");
    const int wokenElsewhere = drain(herd, 1000);
    std::printf("wake: a write to q/elsewhere woke %d of them within 1 s (expected 0)\n", wokenElsewhere);

    // A write under the prefix wakes all of them.
    herd.resetCounts();
    HttpClient writer;
    if (!writer.connect(port, true))
        return 1;
    const std::string req = HttpClient::format("PUT", "/v1/kv/p/changed", "x");
    const int64_t cpuBefore = procCpuNs(pid);
    const int64_t sentRt = nowNs(CLOCK_REALTIME);
    if (!writer.sendAll(req))
        return 1;
    const auto resp = writer.read();
    const int64_t respRt = resp && resp->rxRealtimeNs ? resp->rxRealtimeNs : nowNs(CLOCK_REALTIME);
    const int64_t end = nowNs() + 10LL * 1000000000;
    while (herd.answered() + herd.closedByPeer() < count && nowNs() < end)
        herd.poll(20);
    const double wakeCpuMs = double(procCpuNs(pid) - cpuBefore) / 1e6;

    std::vector<double> fromSend, fromResp, userFromSend;
    for (const Conn &c : herd.conns()) {
        if (c.state != Conn::Answered)
            continue;
        const int64_t rx = c.rxKernelNs ? c.rxKernelNs : c.rxUserNs;
        fromSend.push_back(double(rx - sentRt) / 1e6);
        fromResp.push_back(double(rx - respRt) / 1e6);
        userFromSend.push_back(double(c.rxUserNs - sentRt) / 1e6);
    }
    const double p50 = percentile(fromSend, 50), p99 = percentile(fromSend, 99), mx = percentile(fromSend, 100);
    std::printf("wake: a write to p/changed (answered %d after %.2f ms) woke %d/%ld (%d with 200)\n",
                resp ? resp->status : 0, double(respRt - sentRt) / 1e6, herd.answered(), count, herd.answeredOk());
    std::printf("wake: write sent -> watcher reply (kernel rx time): first %.2f ms, p50 %.2f ms, p99 %.2f ms, "
                "max %.2f ms\n",
                percentile(fromSend, 0), p50, p99, mx);
    std::printf("wake: write's reply -> watcher reply: p50 %.2f ms, p99 %.2f ms, max %.2f ms (negative: before "
                "the write's own reply)\n",
                percentile(fromResp, 50), percentile(fromResp, 99), percentile(fromResp, 100));
    std::printf("wake: agent CPU time from the write until every reply was read: %.1f ms (%.1f us per watcher)\n",
                wakeCpuMs, count ? wakeCpuMs * 1000.0 / double(count) : 0);
    std::printf("wake: as read by this client: p50 %.2f ms, p99 %.2f ms, max %.2f ms after the write was sent\n",
                percentile(userFromSend, 50), percentile(userFromSend, 99), percentile(userFromSend, 100));
    std::printf("RESULT prefix_watchers=%ld woken=%d woken_ok=%d woken_by_other_write=%d early_replies=%d "
                "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f resp_p50_ms=%.2f resp_p99_ms=%.2f resp_max_ms=%.2f "
                "write_ms=%.2f wake_cpu_ms=%.1f\n",
                count, herd.answered(), herd.answeredOk(), wokenElsewhere, early, p50, p99, mx,
                percentile(fromResp, 50), percentile(fromResp, 99), percentile(fromResp, 100),
                double(respRt - sentRt) / 1e6, wakeCpuMs);
    const bool ok = opened && settled && other && early == 0 && wokenElsewhere == 0 && herd.answeredOk() == count;
    return ok ? 0 : 1;
}

int modeSendFloor(const Args &a)
{
    raiseFdLimit();
    const long count = std::min(a.num("count", 9900), (fdLimit() - 100) / 2);
    const long threads = std::max(1L, a.num("threads", 1));
    const std::string reply(size_t(a.num("bytes", 400)), 'x');
    // As `wake`'s watchers are: receive timestamps on, all in one epoll set.
    const bool timestamps = a.num("timestamps", 0) != 0, inEpoll = a.num("epoll", 0) != 0;
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0
        || getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &len) != 0 || listen(listener, 1024) != 0) {
        std::perror("qonsul-bench sendfloor: listen");
        return 1;
    }
    std::vector<int> servers, clients;
    for (long i = 0; i < count; ++i) {
        const int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c < 0 || connect(c, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
            std::perror("qonsul-bench sendfloor: connect");
            return 1;
        }
        const int s = accept(listener, nullptr, nullptr);
        const int one = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        // A request the server reads, as a parked blocking query's connection has had.
        char buf[64];
        if (send(c, "GET / HTTP/1.1\r\n\r\n", 18, 0) != 18 || recv(s, buf, sizeof buf, 0) <= 0) {
            std::perror("qonsul-bench sendfloor: request");
            return 1;
        }
        if (timestamps)
            setsockopt(c, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
        if (inEpoll) {
            epoll_event ev {};
            ev.events = EPOLLIN;
            epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        clients.push_back(c);
        servers.push_back(s);
    }
    usleep(300000); // let delayed ACKs go out
    const auto sendRange = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) {
            if (send(servers[i], reply.data(), reply.size(), MSG_NOSIGNAL) != ssize_t(reply.size()))
                std::abort();
        }
    };
    const int64_t cpu0 = nowNs(CLOCK_PROCESS_CPUTIME_ID), t0 = nowNs();
    std::vector<std::thread> helpers;
    for (long t = 1; t < threads; ++t)
        helpers.emplace_back(sendRange, servers.size() * size_t(t) / size_t(threads),
                             servers.size() * size_t(t + 1) / size_t(threads));
    sendRange(0, servers.size() / size_t(threads));
    for (std::thread &t : helpers)
        t.join();
    const double wallMs = double(nowNs() - t0) / 1e6, cpuMs = double(nowNs(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e6;
    std::printf("sendfloor: %ld sends of %zu bytes on %ld thread(s)%s%s: %.1f ms wall, %.1f ms CPU (%.2f us per send)\n",
                count, reply.size(), threads, timestamps ? ", receivers timestamping" : "",
                inEpoll ? ", receivers in one epoll set" : "", wallMs, cpuMs, count ? cpuMs * 1000.0 / double(count) : 0);
    std::printf("RESULT sends=%ld bytes=%zu threads=%ld wall_ms=%.1f cpu_ms=%.1f cpu_us_per_send=%.2f\n", count,
                reply.size(), threads, wallMs, cpuMs, count ? cpuMs * 1000.0 / double(count) : 0);
    for (const int fd : servers)
        close(fd);
    for (const int fd : clients)
        close(fd);
    close(listener);
    close(ep);
    return 0;
}

int modeStartup(const Args &a)
{
    const std::string bin = a.str("bin", "qonsul");
    const int runs = int(a.num("runs", 20));
    const int idleMs = int(a.num("idle-ms", 1000));
    std::vector<double> readyMs, rssMb;
    for (int run = 0; run < runs; ++run) {
        auto freePort = [] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in s = loopback(0);
            ::bind(fd, reinterpret_cast<sockaddr *>(&s), sizeof s);
            socklen_t len = sizeof s;
            getsockname(fd, reinterpret_cast<sockaddr *>(&s), &len);
            ::close(fd);
            return ntohs(s.sin_port);
        };
        const uint16_t http = freePort();
        const std::string httpArg = std::to_string(http), dnsArg = std::to_string(freePort());
        const int64_t t0 = nowNs();
        const pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM); // the agent must not outlive an interrupted benchmark
            const int null = ::open("/dev/null", O_RDWR);
            dup2(null, 1);
            dup2(null, 2);
            execl(bin.c_str(), bin.c_str(), "agent", "-dev", "-http-port", httpArg.c_str(), "-dns-port",
                  dnsArg.c_str(), static_cast<char *>(nullptr));
            _exit(127);
        }
        double ready = -1;
        while (nowNs() - t0 < 10LL * 1000000000) {
            int status = 0;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                std::fprintf(stderr, "qonsul-bench: agent exited early (status %d)\n", status);
                return 1;
            }
            if (leaderReady(http)) {
                ready = double(nowNs() - t0) / 1e6;
                break;
            }
            sleepMs(1);
        }
        sleepMs(idleMs);
        const long rss = procStatusKb(pid, "VmRSS");
        kill(pid, SIGTERM);
        int status = 0;
        for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) != pid; ++i)
            sleepMs(10);
        if (waitpid(pid, &status, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        if (ready < 0) {
            std::fprintf(stderr, "qonsul-bench: agent run %d never answered /v1/status/leader\n", run);
            return 1;
        }
        readyMs.push_back(ready);
        rssMb.push_back(double(rss) / 1024.0);
        std::printf("startup: run %2d: ready after %.1f ms, VmRSS after %d ms idle %.1f MB\n", run + 1, ready,
                    idleMs, double(rss) / 1024.0);
    }
    std::printf("RESULT runs=%d ready_median_ms=%.1f ready_max_ms=%.1f ready_min_ms=%.1f rss_median_mb=%.1f "
                "rss_max_mb=%.1f\n",
                runs, percentile(readyMs, 50), percentile(readyMs, 100), percentile(readyMs, 0),
                percentile(rssMb, 50), percentile(rssMb, 100));
    return 0;
}

// One burst of pipelined requests over `conns` (already connected); returns each reply's time
// from `start` in ms, or an empty vector if a connection failed or a reply was not 200.
std::vector<double> burst(uint16_t port, std::vector<HttpClient> &conns, const std::vector<std::string> &batches,
                          int64_t start)
{
    // Fresh connections each time: the agent may have closed idle ones after a long round.
    for (HttpClient &c : conns)
        if (!c.connect(port))
            return {};
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    size_t expected = 0;
    std::vector<size_t> pending(conns.size());
    std::vector<std::string> buffers(conns.size());
    for (size_t i = 0; i < conns.size(); ++i) {
        if (!conns[i].sendAll(batches[i]))
            return {};
        for (size_t at = batches[i].find(" HTTP/1.1"); at != std::string::npos; at = batches[i].find(" HTTP/1.1", at + 1))
            ++pending[i];
        expected += pending[i];
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd(), &ev);
    }
    std::vector<double> ms;
    ms.reserve(expected);
    bool failed = false;
    while (ms.size() < expected && !failed) {
        epoll_event events[64];
        const int n = epoll_wait(ep, events, 64, 10000);
        if (n <= 0)
            break;
        for (int e = 0; e < n; ++e) {
            const size_t i = events[e].data.u64;
            char data[65536];
            const ssize_t got = ::recv(conns[i].fd(), data, sizeof data, 0);
            if (got <= 0) {
                failed = true;
                break;
            }
            buffers[i].append(data, size_t(got));
            const double at = double(nowNs() - start) / 1e6;
            Reply r;
            while (const size_t used = parseResponse(buffers[i], &r)) {
                buffers[i].erase(0, used);
                failed |= r.status != 200;
                ms.push_back(at);
                --pending[i];
            }
        }
    }
    ::close(ep);
    if (failed || ms.size() != expected)
        return {};
    return ms;
}

int modeTtl(const Args &a)
{
    const auto port = uint16_t(a.num("port", 8500));
    const auto pid = pid_t(a.num("pid", 0));
    const int count = int(a.num("count", 10000));
    const int rounds = int(a.num("rounds", 10));
    const int connections = int(std::max(1L, a.num("connections", 50)));
    if (pid <= 0)
        die("--pid is required");
    const long rssStart = procStatusKb(pid, "VmRSS");
    double registerMs = 0;
    {
        HttpClient c;
        if (!c.connect(port))
            die("connect");
        constexpr int kBatch = 200; // pipelined
        const int64_t t0 = nowNs();
        for (int i = 0; i < count; i += kBatch) {
            const int n = std::min(kBatch, count - i);
            std::string out;
            for (int j = 0; j < n; ++j)
                out += HttpClient::format("PUT", "/v1/agent/check/register",
                                          "{\"Name\":\"ttl-" + std::to_string(i + j) + "\",\"TTL\":\"1h\"}");
            if (!c.sendAll(out))
                die("register");
            for (int j = 0; j < n; ++j) {
                const auto r = c.read();
                if (!r || r->status != 200)
                    die("register reply");
            }
        }
        registerMs = double(nowNs() - t0) / 1e6;
        std::printf("ttl: registered %d TTL checks in %.0f ms\n", count, registerMs);
    }
    sleepMs(1000);
    const long rssRegistered = procStatusKb(pid, "VmRSS");
    std::vector<HttpClient> conns(static_cast<size_t>(connections)); // built in place: never copied
    std::vector<std::string> batches(static_cast<size_t>(connections));
    for (int i = 0; i < count; ++i)
        batches[size_t(i % connections)] += HttpClient::format("PUT", "/v1/agent/check/pass/ttl-" + std::to_string(i), {});
    // Round 1: every check changes status (critical -> passing), each a catalog write.
    const int64_t cpuFirst = procCpuNs(pid);
    const int64_t firstStart = nowNs();
    std::vector<double> first = burst(port, conns, batches, firstStart);
    if (first.empty())
        die("renewal burst failed");
    // The agent may go on syncing after the last reply: wait until it has been idle for 1 s.
    for (int64_t cpu = procCpuNs(pid), again = 0;; cpu = again) {
        sleepMs(1000);
        again = procCpuNs(pid);
        if (again - cpu < 20000000) // < 2% of a core
            break;
    }
    const double firstCpuMs = double(procCpuNs(pid) - cpuFirst) / 1e6;
    std::printf("ttl: round  1 (status changes): %d renewals, all answered after %.1f ms (p50 %.1f, p99 %.1f); agent "
                "CPU %.1f ms until idle\n",
                count, percentile(first, 100), percentile(first, 50), percentile(first, 99), firstCpuMs);
    // Rounds 2..R, one second apart: the status stays passing, only the TTL timers move.
    std::vector<double> steady;
    std::vector<double> steadyCpuMs;
    const int64_t cpuStart = procCpuNs(pid);
    const int64_t wallStart = nowNs();
    for (int round = 2; round <= rounds; ++round) {
        const int64_t scheduled = wallStart + int64_t(round - 2) * 1000000000;
        while (nowNs() < scheduled)
            sleepMs(1);
        const int64_t start = nowNs(); // latencies count from the burst's first write
        const int64_t cpu0 = procCpuNs(pid);
        std::vector<double> ms = burst(port, conns, batches, start);
        if (ms.empty())
            die("renewal burst failed");
        const int64_t next = std::max(nowNs(), scheduled + 1000000000 - 20000000);
        while (nowNs() < next)
            sleepMs(1);
        const double cpuMs = double(procCpuNs(pid) - cpu0) / 1e6;
        std::printf("ttl: round %2d: %d renewals, all answered after %.1f ms (p50 %.1f, p99 %.1f); agent CPU %.1f ms\n",
                    round, count, percentile(ms, 100), percentile(ms, 50), percentile(ms, 99), cpuMs);
        steady.insert(steady.end(), ms.begin(), ms.end());
        steadyCpuMs.push_back(cpuMs);
    }
    const double wallS = double(nowNs() - wallStart) / 1e9;
    const double cpuPct = double(procCpuNs(pid) - cpuStart) / 1e9 / wallS * 100.0;
    const long rssEnd = procStatusKb(pid, "VmRSS");
    std::printf("ttl: VmRSS %.1f MB before, %.1f MB with %d checks, %.1f MB after %d rounds\n", double(rssStart) / 1024,
                double(rssRegistered) / 1024, count, double(rssEnd) / 1024, rounds);
    std::printf("RESULT checks=%d rounds=%d register_ms=%.0f first_round_max_ms=%.1f first_round_cpu_ms=%.1f cpu_pct=%.1f "
                "steady_round_cpu_ms=%.1f steady_p50_ms=%.1f steady_p99_ms=%.1f steady_max_ms=%.1f rss_registered_mb=%.1f "
                "rss_end_mb=%.1f\n",
                count, rounds, registerMs, percentile(first, 100), firstCpuMs, cpuPct, percentile(steadyCpuMs, 50),
                percentile(steady, 50), percentile(steady, 99), percentile(steady, 100), double(rssRegistered) / 1024,
                double(rssEnd) / 1024);
    return 0;
}

// ---------------------------------------------------------------- checks

// The targets of `checks`: listener 0 is the HTTP one (requests name the check: /c/<i>), the
// others are TCP check i-1's. Every accepted connection is stamped with CLOCK_MONOTONIC.
class CheckTargets
{
public:
    explicit CheckTargets(int tcpCount)
    {
        m_ep = epoll_create1(EPOLL_CLOEXEC);
        for (int i = 0; i <= tcpCount; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            const int one = 1;
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in a = loopback(0);
            socklen_t len = sizeof a;
            if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || ::listen(fd, 1024) != 0
                || getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
                die("target listener");
            m_ports.push_back(ntohs(a.sin_port));
            m_listeners.push_back(fd);
            add(fd, uint64_t(i) << 32 | 0xffffffffu);
        }
        m_tcpArrivals.resize(size_t(tcpCount));
    }
    ~CheckTargets()
    {
        stop();
        for (int fd : m_listeners)
            ::close(fd);
        ::close(m_ep);
    }
    uint16_t httpPort() const { return m_ports[0]; }
    uint16_t tcpPort(int i) const { return m_ports[size_t(i) + 1]; }
    void start(int httpCount)
    {
        m_httpArrivals.assign(size_t(httpCount), {});
        m_thread = std::thread([this] { run(); });
    }
    void stop()
    {
        if (!m_thread.joinable())
            return;
        m_stop = true;
        m_thread.join();
    }
    // Arrivals since `from` (ns, CLOCK_MONOTONIC); call after stop().
    const std::vector<std::vector<int64_t>> &httpArrivals() const { return m_httpArrivals; }
    const std::vector<std::vector<int64_t>> &tcpArrivals() const { return m_tcpArrivals; }

private:
    void add(int fd, uint64_t tag)
    {
        epoll_event ev {};
        ev.events = EPOLLIN;
        ev.data.u64 = tag;
        epoll_ctl(m_ep, EPOLL_CTL_ADD, fd, &ev);
    }
    void run()
    {
        std::map<int, std::string> requests; // HTTP connections: what they sent so far
        while (!m_stop) {
            epoll_event events[256];
            const int n = epoll_wait(m_ep, events, 256, 100);
            for (int e = 0; e < n; ++e) {
                const uint64_t tag = events[e].data.u64;
                if ((tag & 0xffffffffu) == 0xffffffffu) { // a listener
                    const size_t listener = size_t(tag >> 32);
                    while (true) {
                        const int c = accept4(m_listeners[listener], nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                        if (c < 0)
                            break;
                        const int64_t at = nowNs();
                        if (listener > 0) {
                            m_tcpArrivals[listener - 1].push_back(at);
                            ::close(c);
                            continue;
                        }
                        requests[c] = std::to_string(at) + ' ';
                        add(c, uint64_t(uint32_t(c)));
                    }
                    continue;
                }
                const int c = int(tag);
                char data[4096];
                const ssize_t got = ::recv(c, data, sizeof data, 0);
                std::string &req = requests[c];
                if (got > 0)
                    req.append(data, size_t(got));
                if (got > 0 && req.find("\r\n\r\n") == std::string::npos)
                    continue;
                const size_t path = req.find(" /c/");
                if (got > 0 && path != std::string::npos) {
                    const long check = std::strtol(req.c_str() + path + 4, nullptr, 10);
                    if (check >= 0 && size_t(check) < m_httpArrivals.size())
                        m_httpArrivals[size_t(check)].push_back(std::strtoll(req.c_str(), nullptr, 10));
                    static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
                    ::send(c, answer, sizeof answer - 1, MSG_NOSIGNAL);
                }
                requests.erase(c);
                ::close(c);
            }
        }
        for (const auto &[fd, unused] : requests)
            ::close(fd);
    }

    int m_ep = -1;
    std::vector<int> m_listeners;
    std::vector<uint16_t> m_ports;
    std::vector<std::vector<int64_t>> m_httpArrivals;
    std::vector<std::vector<int64_t>> m_tcpArrivals;
    std::thread m_thread;
    std::atomic<bool> m_stop { false };
};

struct PeriodStats
{
    std::vector<double> periods; // ms
    int checks = 0;
    int checksAllWithin = 0; // checks whose every period was within +-10%
};

PeriodStats periodsOf(const std::vector<std::vector<int64_t>> &arrivals, int64_t from, int64_t to, double intervalMs)
{
    PeriodStats s;
    for (const std::vector<int64_t> &a : arrivals) {
        bool all = true;
        int n = 0;
        for (size_t i = 1; i < a.size(); ++i) {
            if (a[i - 1] < from || a[i] > to)
                continue;
            const double ms = double(a[i] - a[i - 1]) / 1e6;
            s.periods.push_back(ms);
            all &= std::abs(ms - intervalMs) <= intervalMs * 0.1;
            ++n;
        }
        if (n > 0) {
            ++s.checks;
            s.checksAllWithin += all;
        }
    }
    return s;
}

void printPeriods(const char *kind, const PeriodStats &s, double intervalMs, int registered)
{
    if (s.periods.empty()) {
        std::printf("checks: %s: no periods recorded\n", kind);
        return;
    }
    double sum = 0;
    size_t within = 0;
    double worst = 0;
    for (double ms : s.periods) {
        sum += ms;
        within += std::abs(ms - intervalMs) <= intervalMs * 0.1;
        worst = std::max(worst, std::abs(ms - intervalMs));
    }
    std::printf("checks: %s: %zu periods of %d checks (%d registered): mean %.1f ms, min %.1f, p1 %.1f, p50 %.1f, "
                "p99 %.1f, max %.1f; %.2f%% within +-10%%, worst %+.1f%%; checks always within +-10%%: %d of %d\n",
                kind, s.periods.size(), s.checks, registered, sum / double(s.periods.size()), percentile(s.periods, 0),
                percentile(s.periods, 1), percentile(s.periods, 50), percentile(s.periods, 99),
                percentile(s.periods, 100), 100.0 * double(within) / double(s.periods.size()),
                100.0 * worst / intervalMs, s.checksAllWithin, s.checks);
}

int modeChecks(const Args &a)
{
    const auto port = uint16_t(a.num("port", 8500));
    const auto pid = pid_t(a.num("pid", 0));
    const int httpCount = int(a.num("http", 1000));
    const int tcpCount = int(a.num("tcp", 1000));
    const long intervalMs = a.num("interval-ms", 1000);
    const long warmupS = a.num("warmup-s", 10);
    const long seconds = a.num("seconds", 30);
    if (pid <= 0)
        die("--pid is required");
    raiseFdLimit();
    const long rssStart = procStatusKb(pid, "VmRSS");
    CheckTargets targets(tcpCount);
    targets.start(httpCount);
    {
        HttpClient c;
        if (!c.connect(port))
            die("connect");
        const std::string interval = std::to_string(intervalMs) + "ms";
        constexpr int kBatch = 200; // pipelined
        for (int i = 0; i < httpCount + tcpCount; i += kBatch) {
            const int n = std::min(kBatch, httpCount + tcpCount - i);
            std::string out;
            for (int j = i; j < i + n; ++j) {
                const std::string def = j < httpCount
                    ? "\"Name\":\"http-" + std::to_string(j) + "\",\"HTTP\":\"http://127.0.0.1:"
                        + std::to_string(targets.httpPort()) + "/c/" + std::to_string(j) + "\""
                    : "\"Name\":\"tcp-" + std::to_string(j - httpCount) + "\",\"TCP\":\"127.0.0.1:"
                        + std::to_string(targets.tcpPort(j - httpCount)) + "\"";
                out += HttpClient::format("PUT", "/v1/agent/check/register", "{" + def + ",\"Interval\":\"" + interval + "\"}");
            }
            if (!c.sendAll(out))
                die("register");
            for (int j = 0; j < n; ++j) {
                const auto r = c.read();
                if (!r || r->status != 200)
                    die("register reply");
            }
        }
    }
    std::printf("checks: registered %d HTTP and %d TCP checks at %ld ms; warming up %ld s\n", httpCount, tcpCount,
                intervalMs, warmupS);
    sleepMs(int(warmupS * 1000));
    const int64_t from = nowNs();
    const int64_t cpu0 = procCpuNs(pid);
    long user0 = 0, kernel0 = 0;
    procCpuTicks(pid, &user0, &kernel0);
    std::vector<double> rssMb;
    for (long i = 0; i < seconds; ++i) {
        sleepMs(1000);
        rssMb.push_back(double(procStatusKb(pid, "VmRSS")) / 1024.0);
    }
    const int64_t to = nowNs();
    const double cpuPct = double(procCpuNs(pid) - cpu0) / double(to - from) * 100.0;
    long user1 = 0, kernel1 = 0;
    procCpuTicks(pid, &user1, &kernel1);
    // utime/stime (clock ticks): the split of the CPU time between user space and the kernel.
    const double tickPct = 100.0 / double(sysconf(_SC_CLK_TCK)) / (double(to - from) / 1e9);
    const double userPct = double(user1 - user0) * tickPct;
    const double kernelPct = double(kernel1 - kernel0) * tickPct;
    targets.stop();
    const PeriodStats http = periodsOf(targets.httpArrivals(), from, to, double(intervalMs));
    const PeriodStats tcp = periodsOf(targets.tcpArrivals(), from, to, double(intervalMs));
    PeriodStats all = http;
    all.periods.insert(all.periods.end(), tcp.periods.begin(), tcp.periods.end());
    all.checks += tcp.checks;
    all.checksAllWithin += tcp.checksAllWithin;
    std::printf("checks: agent CPU %.1f%% of one core over %ld s (user %.1f%%, kernel %.1f%%); VmRSS %.1f MB before "
                "registering, max %.1f MB while running\n",
                cpuPct, seconds, userPct, kernelPct, double(rssStart) / 1024, percentile(rssMb, 100));
    printPeriods("HTTP", http, double(intervalMs), httpCount);
    printPeriods("TCP ", tcp, double(intervalMs), tcpCount);
    printPeriods("all ", all, double(intervalMs), httpCount + tcpCount);
    size_t within = 0;
    double worst = 0;
    for (double ms : all.periods) {
        within += std::abs(ms - double(intervalMs)) <= double(intervalMs) * 0.1;
        worst = std::max(worst, std::abs(ms - double(intervalMs)));
    }
    std::printf("RESULT http=%d tcp=%d interval_ms=%ld seconds=%ld cpu_pct=%.1f user_pct=%.1f kernel_pct=%.1f "
                "rss_max_mb=%.1f periods=%zu "
                "within10_pct=%.2f worst_pct=%.1f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f min_ms=%.1f\n",
                httpCount, tcpCount, intervalMs, seconds, cpuPct, userPct, kernelPct, percentile(rssMb, 100), all.periods.size(),
                all.periods.empty() ? 0.0 : 100.0 * double(within) / double(all.periods.size()),
                100.0 * worst / double(intervalMs), percentile(all.periods, 50), percentile(all.periods, 99),
                percentile(all.periods, 100), percentile(all.periods, 0));
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, nullptr, _IOLBF, 0);
    const Args a = parseArgs(argc, argv);
    if (a.mode == "freeport")
        return modeFreePort();
    if (a.mode == "ready")
        return modeReady(a);
    if (a.mode == "watchers")
        return modeWatchers(a);
    if (a.mode == "wake")
        return modeWake(a);
    if (a.mode == "startup")
        return modeStartup(a);
    if (a.mode == "sendfloor")
        return modeSendFloor(a);
    if (a.mode == "ttl")
        return modeTtl(a);
    if (a.mode == "checks")
        return modeChecks(a);
    std::fprintf(stderr, "usage: qonsul-bench freeport | ready | watchers | wake | sendfloor | startup | ttl | checks [--option value ...]\n"
                         "       (see the comment at the top of tests/bench/qonsul_bench.cpp)\n");
    return 2;
}
