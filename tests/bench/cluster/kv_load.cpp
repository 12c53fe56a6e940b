// kv-load: the load generator of tests/bench/cluster/etcd_compare.sh. It sends the same key/value
// load to a Qonsul server (Consul's KV API) or an etcd member (etcd's v3 JSON gateway) over
// keep-alive HTTP/1.1 connections, one request in flight per connection, and prints one RESULT
// line with req/s and latency percentiles taken from every request (no sampling).
//
// epoll on one thread and no Qt, like qonsul-bench: it has to stay cheap next to the six servers
// it shares two cores with. A tiny program rather than wrk because the benchmark also needs an
// exact number of writes (100,000 keys for the memory test) and a failover probe that kills the
// leader itself and times the first write accepted after that.
//
//   kv-load --target qonsul|etcd --addr HOST:PORT --op put|get|get-consistent|get-serializable
//           [--conns 64] [--duration 10 | --count N] [--value-bytes 64] [--prefix bench/put]
//           [--key bench/get]
//   kv-load --target qonsul|etcd --addr HOST:PORT --op put --kill-pid PID [--kill-after-ms 1000]
//           (sequential writes; SIGKILL to PID after the given time; prints the time from the kill
//            to the first write accepted after it)

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start, Clock::time_point end = Clock::now())
{
    return std::chrono::duration<double, std::milli>(end - start).count();
}

std::string base64(const std::string &in)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < in.size())
            v |= (unsigned char)in[i + 1] << 8;
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += i + 1 < in.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

struct Options
{
    std::string target = "qonsul";
    std::string host = "127.0.0.1";
    int port = 8500;
    std::string op = "put";
    int conns = 1;
    double duration = 10;
    long count = 0;
    int valueBytes = 64;
    std::string prefix = "bench/put";
    std::string key = "bench/get";
    pid_t killPid = 0;
    int killAfterMs = 1000;
};

// One request as bytes on the wire. Keys of writes are prefix/<n>, n counting from 0 over all
// connections, so --count N writes exactly N distinct keys.
std::string buildRequest(const Options &o, long n)
{
    const std::string value(size_t(o.valueBytes), 'v');
    std::string method, path, body;
    if (o.target == "qonsul") {
        if (o.op == "put") {
            method = "PUT";
            path = "/v1/kv/" + o.prefix + "/" + std::to_string(n);
            body = value;
        } else {
            method = "GET";
            path = "/v1/kv/" + o.key + (o.op == "get-consistent" ? "?consistent" : o.op == "get-serializable" ? "?stale" : "");
        }
    } else {
        method = "POST";
        if (o.op == "put") {
            path = "/v3/kv/put";
            body = "{\"key\":\"" + base64(o.prefix + "/" + std::to_string(n)) + "\",\"value\":\"" + base64(value) + "\"}";
        } else {
            path = "/v3/kv/range";
            body = "{\"key\":\"" + base64(o.key) + "\"" + (o.op == "get-serializable" ? ",\"serializable\":true" : "") + "}";
        }
    }
    return method + " " + path + " HTTP/1.1\r\nHost: " + o.host + "\r\nContent-Type: application/json\r\nContent-Length: "
        + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Incremental HTTP/1.1 response parser: Content-Length or chunked bodies.
struct Response
{
    std::string buf;
    int status = 0;
    bool parse(bool *complete)
    {
        *complete = false;
        const size_t headEnd = buf.find("\r\n\r\n");
        if (headEnd == std::string::npos)
            return true;
        if (buf.compare(0, 9, "HTTP/1.1 ") != 0 && buf.compare(0, 9, "HTTP/1.0 ") != 0)
            return false;
        status = std::atoi(buf.c_str() + 9);
        std::string head = buf.substr(0, headEnd);
        for (char &c : head)
            c = char(std::tolower((unsigned char)c));
        const size_t bodyStart = headEnd + 4;
        const size_t cl = head.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
            const size_t length = std::strtoul(head.c_str() + cl + 17, nullptr, 10);
            *complete = buf.size() >= bodyStart + length;
            if (*complete)
                buf.erase(0, bodyStart + length);
            return true;
        }
        if (head.find("transfer-encoding: chunked") == std::string::npos)
            return false;
        size_t pos = bodyStart;
        for (;;) {
            const size_t lineEnd = buf.find("\r\n", pos);
            if (lineEnd == std::string::npos)
                return true;
            const size_t size = std::strtoul(buf.c_str() + pos, nullptr, 16);
            if (size == 0) {
                if (buf.size() < lineEnd + 4)
                    return true; // the final CRLF (no trailers expected)
                buf.erase(0, lineEnd + 4);
                *complete = true;
                return true;
            }
            if (buf.size() < lineEnd + 2 + size + 2)
                return true;
            pos = lineEnd + 2 + size + 2;
        }
    }
};

int connectTo(const Options &o, bool nonBlocking)
{
    const int fd = socket(AF_INET, SOCK_STREAM | (nonBlocking ? SOCK_NONBLOCK : 0), 0);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a {};
    a.sin_family = AF_INET;
    a.sin_port = htons(uint16_t(o.port));
    inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

double percentile(std::vector<double> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    const size_t i = std::min(sorted.size() - 1, size_t(p / 100.0 * double(sorted.size())));
    return sorted[i];
}

struct Conn
{
    int fd = -1;
    std::string out;
    size_t sent = 0;
    Response in;
    Clock::time_point started;
    bool busy = false;
};

int runLoad(const Options &o)
{
    const int ep = epoll_create1(0);
    std::vector<Conn> conns(size_t(o.conns));
    std::vector<double> latencies;
    latencies.reserve(1 << 20);
    long next = 0, done = 0, errors = 0, non2xx = 0;
    const Clock::time_point start = Clock::now();
    Clock::time_point lastAnswer = start;
    const auto more = [&] {
        if (o.count > 0)
            return next < o.count;
        return msSince(start) < o.duration * 1000;
    };
    const auto issue = [&](size_t i) {
        Conn &c = conns[i];
        c.out = buildRequest(o, next++);
        c.sent = 0;
        c.busy = true;
        c.started = Clock::now();
        const ssize_t w = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (w > 0)
            c.sent = size_t(w);
        epoll_event ev { EPOLLIN | (c.sent < c.out.size() ? EPOLLOUT : 0u), { .u64 = i } };
        epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
    };
    for (size_t i = 0; i < conns.size(); ++i) {
        conns[i].fd = connectTo(o, true);
        if (conns[i].fd < 0) {
            std::fprintf(stderr, "connect %s:%d: %s\n", o.host.c_str(), o.port, std::strerror(errno));
            return 1;
        }
        epoll_event ev { EPOLLOUT, { .u64 = i } };
        epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    size_t open = conns.size();
    std::vector<epoll_event> events(conns.size());
    char buf[65536];
    while (open > 0) {
        const int n = epoll_wait(ep, events.data(), int(events.size()), 1000);
        if (n == 0 && msSince(lastAnswer) > 30000) {
            std::fprintf(stderr, "no answer for 30 s; giving up\n");
            break;
        }
        for (int e = 0; e < n; ++e) {
            const size_t i = events[e].data.u64;
            Conn &c = conns[i];
            if (c.fd < 0)
                continue;
            const auto closeConn = [&] {
                close(c.fd);
                c.fd = -1;
                --open;
            };
            if (!c.busy) { // connected
                if (more())
                    issue(i);
                else
                    closeConn();
                continue;
            }
            if ((events[e].events & EPOLLOUT) && c.sent < c.out.size()) {
                const ssize_t w = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
                if (w > 0)
                    c.sent += size_t(w);
                if (c.sent == c.out.size()) {
                    epoll_event ev { EPOLLIN, { .u64 = i } };
                    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
                }
            }
            if (!(events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            const ssize_t r = recv(c.fd, buf, sizeof buf, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                ++errors;
                closeConn();
                continue;
            }
            c.in.buf.append(buf, size_t(r));
            bool complete = false;
            if (!c.in.parse(&complete)) {
                ++errors;
                closeConn();
                continue;
            }
            if (!complete)
                continue;
            lastAnswer = Clock::now();
            latencies.push_back(msSince(c.started, lastAnswer));
            ++done;
            if (c.in.status < 200 || c.in.status > 299) {
                if (non2xx < 3)
                    std::fprintf(stderr, "HTTP %d: %.200s\n", c.in.status, c.in.buf.c_str());
                ++non2xx;
            }
            if (more())
                issue(i);
            else
                closeConn();
        }
    }
    const double seconds = msSince(start) / 1000;
    std::sort(latencies.begin(), latencies.end());
    std::printf("RESULT target=%s op=%s conns=%d requests=%ld seconds=%.2f rps=%.0f p50_ms=%.3f p90_ms=%.3f "
                "p99_ms=%.3f max_ms=%.3f errors=%ld non2xx=%ld\n",
                o.target.c_str(), o.op.c_str(), o.conns, done, seconds, double(done) / seconds,
                percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99),
                latencies.empty() ? 0.0 : latencies.back(), errors, non2xx);
    return errors == 0 && non2xx == 0 ? 0 : 2;
}

// One blocking request with a deadline; true on a 2xx answer.
bool requestOnce(const Options &o, int *fd, long n, int timeoutMs)
{
    if (*fd < 0) {
        *fd = connectTo(o, false);
        if (*fd < 0)
            return false;
    }
    timeval tv { timeoutMs / 1000, (timeoutMs % 1000) * 1000 };
    setsockopt(*fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(*fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const std::string req = buildRequest(o, n);
    Response resp;
    bool complete = false;
    if (send(*fd, req.data(), req.size(), MSG_NOSIGNAL) == ssize_t(req.size())) {
        char buf[16384];
        while (!complete) {
            const ssize_t r = recv(*fd, buf, sizeof buf, 0);
            if (r <= 0)
                break;
            resp.buf.append(buf, size_t(r));
            if (!resp.parse(&complete))
                break;
        }
    }
    if (!complete) {
        close(*fd);
        *fd = -1;
        return false;
    }
    return resp.status >= 200 && resp.status <= 299;
}

int runFailover(const Options &o)
{
    int fd = -1;
    long n = 0, failed = 0;
    const Clock::time_point start = Clock::now();
    Clock::time_point killedAt {}, lastOkBefore = start;
    long long killedUnixMs = 0; // to line the servers' log timestamps up with the kill
    bool killed = false;
    while (msSince(start) < 20000) {
        if (!killed && msSince(start) >= o.killAfterMs) {
            kill(o.killPid, SIGKILL);
            killedAt = Clock::now();
            killedUnixMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
            killed = true;
        }
        const bool ok = requestOnce(o, &fd, n++, 1000);
        const Clock::time_point t = Clock::now();
        if (!ok) {
            ++failed;
            usleep(5000);
            continue;
        }
        if (!killed) {
            lastOkBefore = t;
            continue;
        }
        // A write that was sent before the kill and answered after it counts: it was accepted then.
        std::printf("RESULT target=%s failover_ms=%.1f last_write_before_kill_ms=%.1f failed_attempts=%ld writes_before=%ld "
                    "killed_unix_ms=%lld\n",
                    o.target.c_str(), msSince(killedAt, t), msSince(lastOkBefore, killedAt), failed, n - 1, killedUnixMs);
        if (fd >= 0)
            close(fd);
        return 0;
    }
    std::printf("RESULT target=%s failover_ms=-1 failed_attempts=%ld (no write accepted within 20 s)\n", o.target.c_str(), failed);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s needs a value\n", a.c_str());
                std::exit(1);
            }
            return argv[++i];
        };
        if (a == "--target") o.target = value();
        else if (a == "--addr") {
            const std::string v = value();
            const size_t colon = v.rfind(':');
            o.host = v.substr(0, colon);
            o.port = std::atoi(v.c_str() + colon + 1);
        } else if (a == "--op") o.op = value();
        else if (a == "--conns") o.conns = std::atoi(value().c_str());
        else if (a == "--duration") o.duration = std::atof(value().c_str());
        else if (a == "--count") o.count = std::atol(value().c_str());
        else if (a == "--value-bytes") o.valueBytes = std::atoi(value().c_str());
        else if (a == "--prefix") o.prefix = value();
        else if (a == "--key") o.key = value();
        else if (a == "--kill-pid") o.killPid = pid_t(std::atoi(value().c_str()));
        else if (a == "--kill-after-ms") o.killAfterMs = std::atoi(value().c_str());
        else {
            std::fprintf(stderr, "unknown argument %s (see the comment at the top of kv_load.cpp)\n", a.c_str());
            return 1;
        }
    }
    if ((o.target != "qonsul" && o.target != "etcd") || o.conns < 1
        || (o.op != "put" && o.op != "get" && o.op != "get-consistent" && o.op != "get-serializable")) {
        std::fprintf(stderr, "bad --target, --op or --conns\n");
        return 1;
    }
    if (o.count > 0)
        o.duration = 1e9; // --count wins
    return o.killPid > 0 ? runFailover(o) : runLoad(o);
}
