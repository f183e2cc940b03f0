/* master.c: the main process: checks the configuration, binds, drops privileges, forks the
 * workers and keeps them running; checks a reload before passing it on; stops them on
 * SIGTERM/SIGINT. It never touches a connection. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "server/core.h"

#define MAX_WORKERS 256

int srv_build(const struct srv_options *o, const struct tlskit_config *share,
              struct tlskit_config **cfg_out, struct tlskit_ctx **ctx_out, char *err, size_t errlen)
{
    struct tlskit_config *cfg = tlskit_config_new();
    struct tlskit_ctx *ctx = NULL;
    if (cfg == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (share) {
        tlskit_config_share_tickets(cfg, share);
    }
    const char *what = NULL, *val = NULL, *fix = "";
    if (o->min_tls && tlskit_config_set_min_version(cfg, o->min_tls) != 0) {
        what = "--min-tls", val = o->min_tls, fix = " (use 1.2 or 1.3)";
    } else if (o->ciphers && tlskit_config_set_ciphers(cfg, o->ciphers) != 0) {
        what = "--ciphers", val = o->ciphers;
    } else if (o->ciphersuites && tlskit_config_set_ciphersuites(cfg, o->ciphersuites) != 0) {
        what = "--ciphersuites", val = o->ciphersuites;
    } else if (o->groups && tlskit_config_set_groups(cfg, o->groups) != 0) {
        what = "--groups", val = o->groups;
    } else if (tlskit_config_set_alpn(cfg, "http/1.1") != 0) {
        what = "ALPN", val = "http/1.1";
    } else if (tlskit_config_set_keypair_file(cfg, o->cert, o->key) != 0) {
        what = o->key ? "--cert/--key" : "--cert", val = o->cert;
    } else if (o->client_ca && tlskit_config_set_ca_file(cfg, o->client_ca) != 0) {
        what = "--client-ca", val = o->client_ca;
        fix = " (give the PEM file of the CA certificates that issue your clients' certificates)";
    }
    if (!what && o->client_ca) {
        /* Clients are asked for a certificate from these CAs; one that sends a certificate
         * that does not verify is refused either way. */
        if (o->require_client_cert) {
            tlskit_config_verify_client(cfg);
        } else {
            tlskit_config_verify_client_optional(cfg);
        }
    }
    if (what) {
        snprintf(err, errlen, "%s %s: %s%s", what, val, tlskit_config_error(cfg), fix);
        tlskit_config_free(cfg);
        return -1;
    }
    ctx = tlskit_server_ctx_new(cfg);
    if (ctx == NULL) {
        snprintf(err, errlen, "%s", tlskit_config_error(cfg));
        tlskit_config_free(cfg);
        return -1;
    }
    *cfg_out = cfg;
    *ctx_out = ctx;
    return 0;
}

struct slot {
    pid_t pid;
    time_t started;
};

static struct {
    const struct srv_options *opts;
    const struct srv_handler *handler;
    struct tlskit_config *cfg;
    struct tlskit_ctx *ctx;
    int fds[SRV_MAX_FDS];
    size_t nfds;
    size_t per_worker; /* with --reuseport-style listening: fds per worker */
    struct slot slots[MAX_WORKERS];
    int nworkers;
    long max_per_worker;
} m;

static pid_t spawn(int index)
{
    pid_t pid = fork();
    if (pid != 0) {
        if (pid < 0) {
            srv_log(SRV_ERROR, "cannot start a worker", "error", strerror(errno), NULL);
        }
        return pid;
    }
    /* The worker: it ends when the main process does, whatever killed that. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    static struct srv_worker w; /* large (its read buffer); one per process */
    w.opts = m.opts;
    w.handler = m.handler;
    w.cfg = m.cfg;
    w.ctx = m.ctx;
    w.index = index;
    w.max_conns = m.max_per_worker;
    if (m.per_worker > 0) {
        for (size_t i = 0; i < m.per_worker; i++) {
            w.lfd[w.nl++] = m.fds[(size_t)index * m.per_worker + i];
        }
        for (size_t i = 0; i < m.nfds; i++) {
            if (i / m.per_worker != (size_t)index) {
                close(m.fds[i]);
            }
        }
    } else {
        for (size_t i = 0; i < m.nfds; i++) {
            w.lfd[w.nl++] = m.fds[i];
        }
    }
    _exit(srv_worker_run(&w));
}

static int drop_privileges(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        snprintf(err, errlen, "--user %s: no such user; give an existing account such as nobody",
                 user);
        return -1;
    }
    if (getuid() != 0 && getuid() != pw->pw_uid) {
        snprintf(err, errlen,
                 "--user %s: only root can switch users; start as root or leave --user out", user);
        return -1;
    }
    if (getuid() == 0 && (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
                          setuid(pw->pw_uid) != 0)) {
        snprintf(err, errlen, "--user %s: cannot switch to it: %s", user, strerror(errno));
        return -1;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        snprintf(err, errlen, "--user %s: privileges could not be dropped for good", user);
        return -1;
    }
    return 0;
}

static const char *status_str(int st, char *buf, size_t len)
{
    if (WIFSIGNALED(st)) {
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    } else {
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    }
    return buf;
}

static void reload(void)
{
    struct tlskit_config *cfg = NULL;
    struct tlskit_ctx *ctx = NULL;
    char err[1024];
    /* Checked here first: a bad file is reported once and no worker drops what it has. */
    if (srv_build(m.opts, m.cfg, &cfg, &ctx, err, sizeof(err)) != 0) {
        srv_log(SRV_ERROR, "reload refused: keeping the current certificate", "error", err, NULL);
        return;
    }
    for (size_t i = 0; i < tlskit_config_warning_count(cfg); i++) {
        srv_log(SRV_WARN, tlskit_config_warning(cfg, i), NULL);
    }
    tlskit_ctx_free(m.ctx);
    tlskit_config_free(m.cfg);
    m.cfg = cfg;
    m.ctx = ctx;
    for (int i = 0; i < m.nworkers; i++) {
        if (m.slots[i].pid > 0) {
            kill(m.slots[i].pid, SIGHUP);
        }
    }
    srv_log(SRV_INFO, "reloaded the certificate and key", "cert", m.opts->cert, NULL);
}

int srv_run(const struct srv_options *o, const struct srv_handler *handler)
{
    char err[1024];
    memset(&m, 0, sizeof(m));
    m.opts = o;
    m.handler = handler;
    srv_log_init(o->log_json, o->access_log, err, sizeof(err));
    if (srv_build(o, NULL, &m.cfg, &m.ctx, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlskit serve: %s\n", err);
        return 2;
    }
    for (size_t i = 0; i < tlskit_config_warning_count(m.cfg); i++) {
        srv_log(SRV_WARN, tlskit_config_warning(m.cfg, i), NULL);
    }
    if (srv_log_access_open(o->access_log, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlskit serve: %s\n", err);
        return 2;
    }
    m.nworkers = o->workers;
    int sets = o->reuseport ? m.nworkers : 1;
    for (int s = 0; s < sets; s++) {
        size_t before = m.nfds;
        for (size_t i = 0; i < o->nlisten; i++) {
            if (srv_bind(o->listen[i], o->reuseport, m.fds, &m.nfds, SRV_MAX_FDS, err,
                         sizeof(err)) != 0) {
                fprintf(stderr, "tlskit serve: %s\n", err);
                return 2;
            }
        }
        if (o->reuseport) {
            m.per_worker = m.nfds - before;
        }
    }
    if (o->user && drop_privileges(o->user, err, sizeof(err)) != 0) {
        fprintf(stderr, "tlskit serve: %s\n", err);
        return 2;
    }
    if (o->max_conns > 0) {
        m.max_per_worker = (o->max_conns + m.nworkers - 1) / m.nworkers;
    }

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);

    char wn[16];
    snprintf(wn, sizeof(wn), "%d", m.nworkers);
    for (size_t i = 0; i < o->nlisten; i++) {
        srv_log(SRV_INFO, "listening", "address", o->listen[i], "workers", wn, "listener",
                o->reuseport ? "SO_REUSEPORT per worker" : "shared", NULL);
    }
    for (int i = 0; i < m.nworkers; i++) {
        pid_t p = spawn(i);
        m.slots[i].pid = p > 0 ? p : 0;
        m.slots[i].started = time(NULL);
    }

    int stopping = 0;
    time_t stop_at = 0;
    for (;;) {
        struct timespec ts = {1, 0};
        siginfo_t si;
        int sig = sigtimedwait(&set, &si, &ts);
        if (sig == SIGHUP && !stopping) {
            reload();
        } else if ((sig == SIGTERM || sig == SIGINT) && !stopping) {
            stopping = 1;
            stop_at = time(NULL) + (time_t)o->grace + 5;
            srv_log(SRV_INFO, "stopping: finishing requests in flight", NULL);
            /* New clients are refused at once instead of waiting in a queue nobody takes. */
            for (size_t i = 0; i < m.nfds; i++) {
                close(m.fds[i]);
            }
            m.nfds = 0;
            for (int i = 0; i < m.nworkers; i++) {
                if (m.slots[i].pid > 0) {
                    kill(m.slots[i].pid, SIGTERM);
                }
            }
        } else if (sig == SIGUSR1) {
            for (int i = 0; i < m.nworkers; i++) {
                if (m.slots[i].pid > 0) {
                    kill(m.slots[i].pid, SIGUSR1);
                }
            }
        }
        /* Reap, and replace workers that died (not more than one start a second each). */
        int st;
        pid_t pid;
        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
            for (int i = 0; i < m.nworkers; i++) {
                if (m.slots[i].pid != pid) {
                    continue;
                }
                m.slots[i].pid = 0;
                if (!stopping) {
                    char why[96], idx[16], ps[16];
                    snprintf(idx, sizeof(idx), "%d", i);
                    snprintf(ps, sizeof(ps), "%ld", (long)pid);
                    srv_log(SRV_ERROR, "worker died: starting a new one", "worker", idx, "pid", ps,
                            "status", status_str(st, why, sizeof(why)), NULL);
                }
            }
        }
        int alive = 0;
        for (int i = 0; i < m.nworkers; i++) {
            if (m.slots[i].pid == 0 && !stopping && time(NULL) > m.slots[i].started) {
                pid_t p = spawn(i);
                m.slots[i].pid = p > 0 ? p : 0;
                m.slots[i].started = time(NULL);
            }
            alive += m.slots[i].pid > 0;
        }
        if (stopping && alive == 0) {
            break;
        }
        if (stopping && time(NULL) > stop_at) {
            for (int i = 0; i < m.nworkers; i++) {
                if (m.slots[i].pid > 0) {
                    kill(m.slots[i].pid, SIGKILL);
                }
            }
        }
    }
    srv_log(SRV_INFO, "stopped", NULL);
    for (size_t i = 0; i < m.nfds; i++) {
        close(m.fds[i]);
    }
    tlskit_ctx_free(m.ctx);
    tlskit_config_free(m.cfg);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}
