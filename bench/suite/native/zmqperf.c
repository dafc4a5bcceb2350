/*
 * zmqperf: the benchmark suite's roles written in C against libzmq itself (the "libzmq" column of
 * `npm run bench`), so that zocket, zeromq.js and the node:net ceiling are measured beside native
 * libzmq in the same run. It does what bench/suite/roles.ts does for the ZeroMQ libraries, message for
 * message: the same sockets and options (HWM, linger 0), the same messages (a sequence number in the
 * first 4 bytes of the first part, fresh parts from zmq_msg_init_size, as libzmq's own remote_thr
 * does), the same END marker, the same checks of count, size and order, and the same warm-up rule
 * (timing starts warmupMs after the first message). bench/suite/native.ts builds and drives it.
 *
 *   zmqperf version
 *   zmqperf ROLE ENDPOINT SIZE PARTS HWM WARMUP_MS DURATION_MS WINDOW SUBSCRIBERS
 *       ROLE: thr-recv, thr-send, lat-server, lat-client, dr-router, dr-dealer, fanout-pub, fanout-sub
 *       (one process each, tcp/ipc)
 *   zmqperf inproc BENCH ENDPOINT SIZE PARTS HWM WARMUP_MS DURATION_MS WINDOW SUBSCRIBERS
 *       BENCH: thr, multi, lat, dr, fanout; both ends in this process, one thread each (as libzmq's
 *       inproc_thr does)
 *
 * Output on stdout, one line each: "ready ENDPOINT" once a binding role is bound (and once every
 * subscriber of fanout-sub has its first sync message); "credit N" from fanout-sub when every
 * subscriber has passed message N; "result COUNT BYTES ELAPSED_MS TOTAL PER_SUBSCRIBER" when a role is
 * done ("result server ..." and "result client ..." for inproc). Input on stdin, one line each:
 * "start" and "credit N" for fanout-pub (relayed by the driver from fanout-sub), and "exit". A finished
 * role keeps its socket open until stdin says "exit" (or closes), as the driver's roles wait for its
 * "exit": with linger 0, closing early could drop the END marker or its echo. Errors go to
 * stderr, with exit code 3 when a check of the messages failed (a wrong result), 2 for a wrong command
 * line and 1 otherwise. On Linux a zmqperf process ends with the process that started it (the driver's
 * worker), so that a failed or interrupted measurement leaves no zmqperf behind.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#ifdef __linux__
#include <signal.h>
#include <sys/prctl.h>
#endif

#define MAX_FRAMES 64
#define WARMUP_ROUND_TRIPS 5
#define SEQ_BYTES 4
static const char END_MAGIC[] = "ZOCKET-BENCH-END";
#define END_LEN (sizeof END_MAGIC - 1)

typedef struct {
  const char *endpoint;
  size_t size;
  int parts;
  int hwm;
  double warmup_ms;
  double duration_ms;
  int window;
  int subscribers;
} spec_t;

typedef struct {
  uint64_t count, bytes;
  double elapsed_ms;
  uint64_t total;
  /** fan-out: messages each subscriber received. */
  uint64_t per_subscriber;
} result_t;

static _Noreturn void vdie(int code, const char *fmt, va_list ap) {
  fputs("zmqperf: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  /* _exit: no atexit or C++ teardown while the other role's thread may be inside libzmq. */
  fflush(NULL);
  _exit(code);
}

static _Noreturn void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdie(1, fmt, ap);
}

/** A check of the messages failed: the count, a size or the order is wrong. */
static _Noreturn void check_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vdie(3, fmt, ap);
}

static _Noreturn void zfail(const char *what) { fail("%s: %s", what, zmq_strerror(zmq_errno())); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint32_t rd32(const void *p) {
  const unsigned char *b = p;
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wr32(void *p, uint32_t v) {
  unsigned char *b = p;
  b[0] = (unsigned char)v;
  b[1] = (unsigned char)(v >> 8);
  b[2] = (unsigned char)(v >> 16);
  b[3] = (unsigned char)(v >> 24);
}

/* --- the warm-up rule of bench/suite/roles.ts (class Warmup) --------------------------------------- */

typedef struct {
  double ms;
  uint64_t mask;
  double first;
  int started;
  double t0;
  uint64_t count0, bytes0;
} warmup_t;

static warmup_t warmup(double ms, uint64_t mask) { return (warmup_t){ms, mask, 0, 0, 0, 0, 0}; }

static void w_arrived(warmup_t *w) {
  if (w->first != 0) return;
  w->first = now_ms();
  if (w->ms <= 0) {
    w->started = 1;
    w->t0 = w->first;
  }
}

static void w_step(warmup_t *w, uint64_t count, uint64_t bytes) {
  if ((count & w->mask) != 0) return;
  double now = now_ms();
  if (now - w->first < w->ms) return;
  w->started = 1;
  w->t0 = now;
  w->count0 = count;
  w->bytes0 = bytes;
}

static int w_ended(warmup_t *w, uint64_t count, uint64_t bytes, double duration_ms) {
  if (!w->started) {
    w_step(w, count, bytes);
    return 0;
  }
  return (count & w->mask) == 0 && now_ms() - w->t0 >= duration_ms;
}

static result_t w_result(warmup_t *w, uint64_t count, uint64_t bytes, double t1, uint64_t total) {
  if (!w->started) {
    w->t0 = w->first;
    w->count0 = 0;
    w->bytes0 = 0;
  }
  return (result_t){count - w->count0, bytes - w->bytes0, t1 - w->t0, total, 0};
}

/** As clockMask() in bench/suite/roles.ts: reading the clock every message is cheap only for big ones. */
static uint64_t clock_mask(const spec_t *sp) { return sp->size * (size_t)sp->parts >= 4096 ? 0 : 31; }

/* --- messages ------------------------------------------------------------------------------- */

typedef struct {
  zmq_msg_t f[MAX_FRAMES];
  int n;
} msg_t;

static void close_msg(msg_t *m) {
  for (int i = 0; i < m->n; i++) zmq_msg_close(&m->f[i]);
  m->n = 0;
}

/** Room for one received message (on the heap: MAX_FRAMES zmq_msg_t are 4 KiB). */
static msg_t *new_msg(void) {
  msg_t *m = malloc(sizeof *m);
  if (m == NULL) fail("out of memory");
  m->n = 0;
  return m;
}

/**
 * The next whole message into `m`. With ZMQ_DONTWAIT in `flags`, 0 if there is none now; the parts after
 * the first are always waited for (libzmq delivers a message's parts together).
 */
static int recv_msg_flags(void *s, msg_t *m, int flags) {
  m->n = 0;
  for (;;) {
    if (m->n == MAX_FRAMES) fail("a message of more than %d parts", MAX_FRAMES);
    zmq_msg_t *f = &m->f[m->n];
    zmq_msg_init(f);
    if (zmq_msg_recv(f, s, m->n == 0 ? flags : 0) < 0) {
      int err = zmq_errno();
      zmq_msg_close(f);
      if (err == EAGAIN && m->n == 0) return 0;
      close_msg(m);
      fail("zmq_msg_recv: %s", zmq_strerror(err));
    }
    m->n++;
    if (!zmq_msg_more(f)) return 1;
  }
}

static void recv_msg(void *s, msg_t *m) { recv_msg_flags(s, m, 0); }

/** Sends the received frames back in order (zmq_msg_send takes each one over). */
static void echo_msg(void *s, msg_t *m) {
  for (int i = 0; i < m->n; i++) {
    if (zmq_msg_send(&m->f[i], s, i + 1 < m->n ? ZMQ_SNDMORE : 0) < 0) zfail("zmq_msg_send");
  }
  close_msg(m);
}

/** A data message: `parts` fresh parts of `size` bytes, `seq` in the first 4 bytes of the first. */
static void send_data(void *s, const spec_t *sp, uint64_t seq) {
  for (int i = 0; i < sp->parts; i++) {
    zmq_msg_t f;
    if (zmq_msg_init_size(&f, sp->size) != 0) zfail("zmq_msg_init_size");
    if (i == 0 && sp->size >= SEQ_BYTES) wr32(zmq_msg_data(&f), (uint32_t)seq);
    if (zmq_msg_send(&f, s, i + 1 < sp->parts ? ZMQ_SNDMORE : 0) < 0) zfail("zmq_msg_send");
  }
}

static void send_frame(void *s, const void *data, size_t len, int more) {
  zmq_msg_t f;
  if (zmq_msg_init_size(&f, len) != 0) zfail("zmq_msg_init_size");
  if (len > 0) memcpy(zmq_msg_data(&f), data, len);
  if (zmq_msg_send(&f, s, more ? ZMQ_SNDMORE : 0) < 0) zfail("zmq_msg_send");
}

/** The END marker (makeEnd in bench/suite/common.ts): the count, parts - 1 empty parts, END_MAGIC. */
static void send_end(void *s, const spec_t *sp, uint64_t count) {
  unsigned char c[4];
  wr32(c, (uint32_t)count);
  send_frame(s, c, sizeof c, 1);
  for (int i = 1; i < sp->parts; i++) send_frame(s, NULL, 0, 1);
  send_frame(s, END_MAGIC, END_LEN, 0);
}

/* --- checks (class Checker in bench/suite/common.ts) ---------------------------------------------- */

typedef struct {
  size_t size;
  int parts;
  const char *label;
  uint64_t count, bytes;
} checker_t;

/** 1 for a data message, 0 for the END marker (after checking its count); any mismatch fails. */
static int check(checker_t *c, msg_t *m, int offset) {
  int n = m->n - offset;
  if (n != c->parts) {
    zmq_msg_t *last = &m->f[m->n - 1];
    if (n == c->parts + 1 && zmq_msg_size(last) == END_LEN && memcmp(zmq_msg_data(last), END_MAGIC, END_LEN) == 0) {
      zmq_msg_t *first = &m->f[offset];
      if (zmq_msg_size(first) < 4) check_fail("%s: END marker without a count", c->label);
      uint32_t sent = rd32(zmq_msg_data(first));
      if (sent != (uint32_t)c->count) check_fail("%s: producer sent %" PRIu32 " messages, received %" PRIu64, c->label, sent, c->count);
      return 0;
    }
    check_fail("%s: message %" PRIu64 " has %d parts, expected %d", c->label, c->count, n, c->parts);
  }
  for (int i = offset; i < m->n; i++) {
    size_t len = zmq_msg_size(&m->f[i]);
    if (len != c->size) check_fail("%s: message %" PRIu64 " part %d is %zu B, expected %zu B", c->label, c->count, i - offset, len, c->size);
  }
  if (c->size >= SEQ_BYTES) {
    uint32_t seq = rd32(zmq_msg_data(&m->f[offset]));
    if (seq != (uint32_t)c->count) check_fail("%s: out of order: got seq %" PRIu32 ", expected %" PRIu32, c->label, seq, (uint32_t)c->count);
  }
  c->count++;
  c->bytes += c->size * (uint64_t)c->parts;
  return 1;
}

/* --- sockets, and how a role talks to its peer role and the driver ------------------------------ */

/**
 * What a role tells the other end or the driver, and waits for. One process per role (tcp, ipc): lines
 * on stdout and stdin, relayed by bench/suite/native.ts. Both roles in one process (inproc): shared state.
 */
typedef struct {
  /** A binding role is bound; fanout-sub: every subscriber has its first sync message. */
  void (*ready)(const char *endpoint);
  /** fanout-sub: every subscriber has passed message n. */
  void (*credit)(uint64_t n);
  /** fanout-pub: waits up to `ms` for the subscribers to be ready ("start"); 1 once they are. */
  int (*started)(int ms);
  /** fanout-pub: blocks until the credit is above `acked`, and returns it. */
  uint64_t (*more_credit)(uint64_t acked);
  /** A finished role, before it closes its socket (see the header). */
  void (*hold)(const result_t *result);
} link_t;

typedef struct {
  void *ctx;
  const spec_t *sp;
  const link_t *link;
  result_t result;
} role_t;

static void *open_socket(role_t *r, int type) {
  void *s = zmq_socket(r->ctx, type);
  if (s == NULL) zfail("zmq_socket");
  int linger = 0;
  if (zmq_setsockopt(s, ZMQ_SNDHWM, &r->sp->hwm, sizeof(int)) != 0) zfail("ZMQ_SNDHWM");
  if (zmq_setsockopt(s, ZMQ_RCVHWM, &r->sp->hwm, sizeof(int)) != 0) zfail("ZMQ_RCVHWM");
  if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) != 0) zfail("ZMQ_LINGER");
  return s;
}

static void *bound(role_t *r, int type) {
  void *s = open_socket(r, type);
  if (zmq_bind(s, r->sp->endpoint) != 0) fail("zmq_bind %s: %s", r->sp->endpoint, zmq_strerror(zmq_errno()));
  char ep[1024];
  size_t len = sizeof ep;
  if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, ep, &len) != 0) zfail("ZMQ_LAST_ENDPOINT");
  r->link->ready(ep);
  return s;
}

static void *connected(role_t *r, int type) {
  void *s = open_socket(r, type);
  if (zmq_connect(s, r->sp->endpoint) != 0) fail("zmq_connect %s: %s", r->sp->endpoint, zmq_strerror(zmq_errno()));
  return s;
}

static void done(role_t *r, void *s, result_t res) {
  r->result = res;
  r->link->hold(&r->result);
  zmq_close(s);
}

/* --- the roles --------------------------------------------------------------------------------- */

/** PULL: binds, checks every message, times from warmupMs after the first until END. */
static void thr_recv(role_t *r) {
  const spec_t *sp = r->sp;
  void *s = bound(r, ZMQ_PULL);
  checker_t chk = {sp->size, sp->parts, "PULL", 0, 0};
  warmup_t w = warmup(sp->warmup_ms, clock_mask(sp));
  msg_t *m = new_msg();
  recv_msg(s, m);
  w_arrived(&w);
  int data = check(&chk, m, 0);
  close_msg(m);
  while (data) {
    if (!w.started) w_step(&w, chk.count, chk.bytes);
    recv_msg(s, m);
    data = check(&chk, m, 0);
    close_msg(m);
  }
  double t1 = now_ms();
  free(m);
  done(r, s, w_result(&w, chk.count, chk.bytes, t1, chk.count));
}

/** PUSH: connects, sends for the warm-up and durationMs, then the END marker. */
static void thr_send(role_t *r) {
  const spec_t *sp = r->sp;
  void *s = connected(r, ZMQ_PUSH);
  uint64_t mask = clock_mask(sp);
  double deadline = now_ms() + sp->warmup_ms + sp->duration_ms;
  uint64_t seq = 0;
  for (;;) {
    send_data(s, sp, seq);
    seq++;
    if ((seq & mask) == 0 && now_ms() >= deadline) break;
  }
  send_end(s, sp, seq);
  uint64_t bytes = seq * sp->size * (uint64_t)sp->parts;
  done(r, s, (result_t){seq, bytes, 0, seq, 0});
}

/** REP (lat) or ROUTER (dr, `skip` 1 for the identity frame): echoes every message, checks order. */
static void echo_server(role_t *r, int type, int skip) {
  const spec_t *sp = r->sp;
  void *s = bound(r, type);
  if (type == ZMQ_ROUTER) {
    /* The suite keeps at most HWM/2 requests in flight so that a ROUTER never finds its pipe full. libzmq's
     * pipes count the reader's progress lazily: the reader reports it every LWM messages (pipe.cpp), and
     * a busy writer takes the report only when it next processes commands (socket_base.cpp: every 100
     * receives, or ~1 ms of sends). So with inproc 1 MiB (HWM 64 a side, 128 in all, LWM 64; 32 in
     * flight) the ROUTER's view fell more than 96 messages behind, it saw its pipe full and dropped
     * replies (6 runs of 6; docs/performance-history.md, twelfth round). With ZMQ_ROUTER_MANDATORY it waits
     * instead of dropping, and nothing is lost. */
    int on = 1;
    if (zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &on, sizeof on) != 0) zfail("ZMQ_ROUTER_MANDATORY");
  }
  checker_t chk = {sp->size, sp->parts, type == ZMQ_REP ? "REP" : "ROUTER", 0, 0};
  msg_t *m = new_msg();
  for (;;) {
    recv_msg(s, m);
    int data = check(&chk, m, skip);
    echo_msg(s, m);
    if (!data) break;
  }
  free(m);
  done(r, s, (result_t){chk.count, chk.bytes, 0, chk.count, 0});
}

static void round_trip(void *s, const spec_t *sp, checker_t *chk, msg_t *m, uint64_t *seq) {
  send_data(s, sp, (*seq)++);
  recv_msg(s, m);
  if (!check(chk, m, 0)) check_fail("%s: unexpected END", chk->label);
  close_msg(m);
}

/**
 * The end of a round-trip client (REQ, DEALER): the timed part ends now; the END marker (after `seq`
 * requests) must come back as sent; then the role reports `count` round trips of `bytes`.
 */
static void end_round_trips(role_t *r, void *s, checker_t *chk, msg_t *m, warmup_t *w, uint64_t count, uint64_t bytes, uint64_t seq) {
  double t1 = now_ms();
  send_end(s, r->sp, seq);
  recv_msg(s, m);
  if (check(chk, m, 0)) check_fail("%s: END was not echoed", chk->label);
  close_msg(m);
  free(m);
  done(r, s, w_result(w, count, bytes, t1, seq));
}

/** REQ: round trips for the warm-up and durationMs. */
static void lat_client(role_t *r) {
  const spec_t *sp = r->sp;
  void *s = connected(r, ZMQ_REQ);
  checker_t chk = {sp->size, sp->parts, "REQ", 0, 0};
  msg_t *m = new_msg();
  uint64_t seq = 0;
  for (int i = 0; i < WARMUP_ROUND_TRIPS; i++) round_trip(s, sp, &chk, m, &seq);
  warmup_t w = warmup(sp->warmup_ms, 0);
  w_arrived(&w);
  uint64_t bytes = sp->size * (uint64_t)sp->parts;
  uint64_t n = 0;
  do {
    round_trip(s, sp, &chk, m, &seq);
    n++;
  } while (!w_ended(&w, n, n * bytes, sp->duration_ms));
  end_round_trips(r, s, &chk, m, &w, n, n * bytes, seq);
}

/** DEALER: keeps `window` requests in flight for the warm-up and durationMs. */
static void dr_dealer(role_t *r) {
  const spec_t *sp = r->sp;
  void *s = connected(r, ZMQ_DEALER);
  checker_t chk = {sp->size, sp->parts, "DEALER", 0, 0};
  msg_t *m = new_msg();
  uint64_t seq = 0;
  round_trip(s, sp, &chk, m, &seq); /* connection set-up, not timed */
  warmup_t w = warmup(sp->warmup_ms, 15);
  w_arrived(&w);
  uint64_t bytes = sp->size * (uint64_t)sp->parts;
  uint64_t sent = 0, recvd = 0;
  int stop = 0;
  for (; sent < (uint64_t)sp->window; sent++) send_data(s, sp, seq++);
  while (recvd < sent) {
    recv_msg(s, m);
    if (!check(&chk, m, 0)) check_fail("DEALER: unexpected END");
    close_msg(m);
    recvd++;
    if (!stop) {
      stop = w_ended(&w, recvd, recvd * bytes, sp->duration_ms);
      if (!stop) {
        send_data(s, sp, seq++);
        sent++;
      }
    }
  }
  end_round_trips(r, s, &chk, m, &w, recvd, recvd * bytes, seq);
}

/**
 * PUB: sends empty sync messages until every subscriber has one (the slow joiner), then data under a
 * credit window, so that PUB never drops at its HWM, then END.
 */
static void fanout_pub(role_t *r) {
  const spec_t *sp = r->sp;
  void *s = bound(r, ZMQ_PUB);
  double sync_until = now_ms() + 30000;
  for (;;) {
    send_frame(s, NULL, 0, 0);
    if (r->link->started(2)) break;
    if (now_ms() > sync_until) fail("PUB: subscribers never became ready");
  }
  uint64_t mask = clock_mask(sp);
  double deadline = now_ms() + sp->warmup_ms + sp->duration_ms;
  uint64_t seq = 0, acked = 0;
  for (;;) {
    while (seq >= acked + (uint64_t)sp->window) acked = r->link->more_credit(acked);
    send_data(s, sp, seq);
    seq++;
    if ((seq & mask) == 0 && now_ms() >= deadline) break;
  }
  send_end(s, sp, seq);
  done(r, s, (result_t){seq, seq * sp->size * (uint64_t)sp->parts, 0, seq, 0});
}

/** Counts, for each multiple of `step`, how many subscribers passed it, and grants credit at all. */
#define ACK_SLOTS 64
typedef struct {
  uint64_t step;
  int subscribers;
  uint64_t key[ACK_SLOTS];
  int reached[ACK_SLOTS];
} acker_t;

static void passed(acker_t *a, const link_t *link, uint64_t count) {
  if (count % a->step != 0) return;
  /* Subscribers are at most a window apart (the publisher waits for the slowest), so at most
   * window / step + 1 multiples are pending: 64 slots are ample for the quarter-window step. */
  size_t i = (size_t)(count / a->step) % ACK_SLOTS;
  if (a->reached[i] != 0 && a->key[i] != count) fail("fan-out: more than %d credit steps pending", ACK_SLOTS);
  a->key[i] = count;
  if (++a->reached[i] == a->subscribers) {
    a->reached[i] = 0;
    link->credit(count);
  }
}

/** N SUB sockets polled by one thread; deliveries per second over all of them. */
static void fanout_sub(role_t *r) {
  const spec_t *sp = r->sp;
  int n = sp->subscribers;
  zmq_pollitem_t *items = calloc((size_t)n, sizeof *items);
  checker_t *chk = calloc((size_t)n, sizeof *chk);
  int *synced = calloc((size_t)n, sizeof *synced);
  acker_t *acker = calloc(1, sizeof *acker);
  char *labels = malloc((size_t)n * 16);
  if (items == NULL || chk == NULL || synced == NULL || acker == NULL || labels == NULL) fail("out of memory");
  msg_t *m = new_msg();
  acker->step = sp->window / 4 > 0 ? (uint64_t)sp->window / 4 : 1;
  acker->subscribers = n;
  for (int i = 0; i < n; i++) {
    void *s = open_socket(r, ZMQ_SUB);
    if (zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) != 0) zfail("ZMQ_SUBSCRIBE");
    if (zmq_connect(s, sp->endpoint) != 0) fail("zmq_connect %s: %s", sp->endpoint, zmq_strerror(zmq_errno()));
    items[i] = (zmq_pollitem_t){s, 0, ZMQ_POLLIN, 0};
    snprintf(labels + (size_t)i * 16, 16, "SUB %d", i);
    chk[i] = (checker_t){sp->size, sp->parts, labels + (size_t)i * 16, 0, 0};
  }
  warmup_t w = warmup(sp->warmup_ms, clock_mask(sp));
  uint64_t bytes = sp->size * (uint64_t)sp->parts;
  uint64_t delivered = 0;
  int ready = 0, ended = 0;
  while (ended < n) {
    if (zmq_poll(items, n, -1) < 0) zfail("zmq_poll");
    for (int i = 0; i < n; i++) {
      if ((items[i].revents & ZMQ_POLLIN) == 0) continue;
      /* Everything this subscriber has now, then the next one. */
      while (items[i].events != 0) {
        if (!recv_msg_flags(items[i].socket, m, ZMQ_DONTWAIT)) break;
        if (m->n == 1 && zmq_msg_size(&m->f[0]) == 0) {
          if (!synced[i]) {
            synced[i] = 1;
            if (++ready == n) r->link->ready(sp->endpoint);
          }
          close_msg(m);
          continue;
        }
        if (!synced[i]) check_fail("SUB %d: data before sync", i);
        w_arrived(&w);
        int data = check(&chk[i], m, 0);
        close_msg(m);
        if (!data) {
          items[i].events = 0; /* this one is done */
          ended++;
          break;
        }
        delivered++;
        if (!w.started) w_step(&w, delivered, delivered * bytes);
        passed(acker, r->link, chk[i].count);
      }
    }
  }
  double t1 = now_ms();
  uint64_t count = 0;
  for (int i = 0; i < n; i++) count += chk[i].count;
  result_t res = w_result(&w, count, count * bytes, t1, count);
  res.per_subscriber = chk[0].count;
  r->result = res;
  r->link->hold(&r->result);
  for (int i = 0; i < n; i++) zmq_close(items[i].socket);
  free(items);
  free(chk);
  free(synced);
  free(acker);
  free(labels);
  free(m);
}

static void lat_server(role_t *r) { echo_server(r, ZMQ_REP, 0); }
static void dr_router(role_t *r) { echo_server(r, ZMQ_ROUTER, 1); }

typedef struct {
  const char *name;
  void (*run)(role_t *);
} role_def_t;

static const role_def_t ROLES[] = {
    {"thr-recv", thr_recv}, {"thr-send", thr_send},     {"lat-server", lat_server},
    {"lat-client", lat_client}, {"dr-router", dr_router}, {"dr-dealer", dr_dealer},
    {"fanout-pub", fanout_pub}, {"fanout-sub", fanout_sub},
};

static const role_def_t *find_role(const char *name) {
  for (size_t i = 0; i < sizeof ROLES / sizeof ROLES[0]; i++) {
    if (strcmp(ROLES[i].name, name) == 0) return &ROLES[i];
  }
  return NULL;
}

static void print_result(const char *tag, const result_t *res) {
  printf("result%s%s %" PRIu64 " %" PRIu64 " %.6f %" PRIu64 " %" PRIu64 "\n", tag[0] ? " " : "", tag, res->count, res->bytes, res->elapsed_ms,
         res->total, res->per_subscriber);
  fflush(stdout);
}

/* --- one role per process (tcp, ipc): lines on stdout and stdin ----------------------------------- */

static void ready_stdout(const char *endpoint) {
  printf("ready %s\n", endpoint);
  fflush(stdout);
}

static void credit_stdout(uint64_t n) {
  printf("credit %" PRIu64 "\n", n);
  fflush(stdout);
}

static char in_buf[4096];
static size_t in_len = 0;
static int in_eof = 0;

/**
 * The next line from stdin into `line` (without its newline): 1 if there is one, 0 if none came
 * within `ms` (-1: wait for ever) or stdin is closed.
 */
static int read_line(char *line, size_t cap, int ms) {
  for (;;) {
    char *nl = memchr(in_buf, '\n', in_len);
    if (nl != NULL) {
      size_t len = (size_t)(nl - in_buf);
      size_t keep = len < cap - 1 ? len : cap - 1;
      memcpy(line, in_buf, keep);
      line[keep] = '\0';
      in_len -= len + 1;
      memmove(in_buf, nl + 1, in_len);
      return 1;
    }
    if (in_eof) return 0;
    if (in_len == sizeof in_buf) fail("a line of input over %zu bytes", sizeof in_buf);
    struct pollfd pfd = {0, POLLIN, 0};
    int ready = poll(&pfd, 1, ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail("poll: %s", strerror(errno));
    if (ready == 0) return 0;
    ssize_t got = read(0, in_buf + in_len, sizeof in_buf - in_len);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("read: %s", strerror(errno));
    if (got == 0) in_eof = 1;
    if (got > 0) in_len += (size_t)got;
  }
}

static int started_stdin(int ms) {
  char line[64];
  double until = now_ms() + ms;
  while (read_line(line, sizeof line, ms)) {
    if (strcmp(line, "start") == 0) return 1;
    if (now_ms() >= until) break;
  }
  if (in_eof) fail("stdin closed before \"start\"");
  return 0;
}

static uint64_t more_credit_stdin(uint64_t acked) {
  char line[64];
  while (read_line(line, sizeof line, -1)) {
    unsigned long long n;
    if (sscanf(line, "credit %llu", &n) == 1 && n > acked) return n;
  }
  fail("stdin closed while waiting for credit");
}

/** The role is done: report, then wait for the driver's "exit" (a line, or stdin closing). */
static void hold_stdin(const result_t *result) {
  print_result("", result);
  char line[64];
  while (read_line(line, sizeof line, -1)) {
    if (strcmp(line, "exit") == 0) break;
  }
}

static const link_t STDIO_LINK = {ready_stdout, credit_stdout, started_stdin, more_credit_stdin, hold_stdin};

/* --- both ends in one process (inproc): shared state ------------------------------------------------ */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Initialised by run_inproc with the monotonic clock, for started_shared()'s timed wait. */
static pthread_cond_t changed;
static int server_bound = 0;
static int client_ready = 0;
static uint64_t credit_granted = 0;
static int roles_done = 0;

static void set_flag(int *flag) {
  pthread_mutex_lock(&lock);
  *flag = 1;
  pthread_cond_broadcast(&changed);
  pthread_mutex_unlock(&lock);
}

static void server_ready_shared(const char *endpoint) {
  (void)endpoint;
  set_flag(&server_bound);
}

static void client_ready_shared(const char *endpoint) {
  (void)endpoint;
  set_flag(&client_ready);
}

static void credit_shared(uint64_t n) {
  pthread_mutex_lock(&lock);
  if (n > credit_granted) credit_granted = n;
  pthread_cond_broadcast(&changed);
  pthread_mutex_unlock(&lock);
}

static int started_shared(int ms) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_nsec += (long)ms * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&lock);
  while (!client_ready && pthread_cond_timedwait(&changed, &lock, &until) == 0) {
  }
  int ready = client_ready;
  pthread_mutex_unlock(&lock);
  return ready;
}

static uint64_t more_credit_shared(uint64_t acked) {
  pthread_mutex_lock(&lock);
  while (credit_granted <= acked) pthread_cond_wait(&changed, &lock);
  uint64_t n = credit_granted;
  pthread_mutex_unlock(&lock);
  return n;
}

/** Neither end closes before both are done (the END marker and its echo are delivered). */
static void hold_both(const result_t *result) {
  (void)result;
  pthread_mutex_lock(&lock);
  roles_done++;
  pthread_cond_broadcast(&changed);
  while (roles_done < 2) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
}

static const link_t SERVER_LINK = {server_ready_shared, credit_shared, started_shared, more_credit_shared, hold_both};
static const link_t CLIENT_LINK = {client_ready_shared, credit_shared, started_shared, more_credit_shared, hold_both};

typedef struct {
  const role_def_t *def;
  role_t role;
} thread_arg_t;

static void *role_thread(void *p) {
  thread_arg_t *a = p;
  a->def->run(&a->role);
  return NULL;
}

static void pair_of(const char *bench, const role_def_t **server, const role_def_t **client) {
  static const char *const PAIRS[][3] = {
      {"thr", "thr-recv", "thr-send"},       {"multi", "thr-recv", "thr-send"},       {"lat", "lat-server", "lat-client"},
      {"dr", "dr-router", "dr-dealer"}, {"fanout", "fanout-pub", "fanout-sub"},
  };
  for (size_t i = 0; i < sizeof PAIRS / sizeof PAIRS[0]; i++) {
    if (strcmp(bench, PAIRS[i][0]) == 0) {
      *server = find_role(PAIRS[i][1]);
      *client = find_role(PAIRS[i][2]);
      return;
    }
  }
  fail("no benchmark \"%s\" (expected thr, multi, lat, dr or fanout)", bench);
}

/** Both roles of `bench`, one thread each: the binding one first, the other once it is bound. */
static void run_inproc(void *ctx, const char *bench, const spec_t *sp) {
  const role_def_t *server, *client;
  pair_of(bench, &server, &client);
  pthread_condattr_t attr;
  if (pthread_condattr_init(&attr) != 0 || pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 || pthread_cond_init(&changed, &attr) != 0) {
    fail("cannot set up a condition variable on the monotonic clock");
  }
  pthread_condattr_destroy(&attr);
  thread_arg_t s = {server, {ctx, sp, &SERVER_LINK, {0, 0, 0, 0, 0}}};
  thread_arg_t c = {client, {ctx, sp, &CLIENT_LINK, {0, 0, 0, 0, 0}}};
  pthread_t ts, tc;
  if (pthread_create(&ts, NULL, role_thread, &s) != 0) fail("pthread_create failed");
  pthread_mutex_lock(&lock);
  while (!server_bound) pthread_cond_wait(&changed, &lock);
  pthread_mutex_unlock(&lock);
  if (pthread_create(&tc, NULL, role_thread, &c) != 0) fail("pthread_create failed");
  pthread_join(ts, NULL);
  pthread_join(tc, NULL);
  print_result("server", &s.role.result);
  print_result("client", &c.role.result);
}

/* --- main ------------------------------------------------------------------------------------- */

static double number(const char *s, const char *what) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || v < 0) fail("%s must be a number of 0 or more, got \"%s\"", what, s);
  return v;
}

#define SPEC_ARGS 8

static spec_t spec_of(char **a) {
  spec_t sp;
  sp.endpoint = a[0];
  sp.size = (size_t)number(a[1], "SIZE");
  sp.parts = (int)number(a[2], "PARTS");
  sp.hwm = (int)number(a[3], "HWM");
  sp.warmup_ms = number(a[4], "WARMUP_MS");
  sp.duration_ms = number(a[5], "DURATION_MS");
  sp.window = (int)number(a[6], "WINDOW");
  sp.subscribers = (int)number(a[7], "SUBSCRIBERS");
  if (sp.parts < 1 || sp.parts + 2 > MAX_FRAMES) fail("PARTS must be 1 to %d, got %d", MAX_FRAMES - 2, sp.parts);
  if (sp.subscribers < 1) fail("SUBSCRIBERS must be 1 or more, got %d", sp.subscribers);
  return sp;
}

static const char USAGE[] =
    "usage: zmqperf version\n"
    "       zmqperf ROLE ENDPOINT SIZE PARTS HWM WARMUP_MS DURATION_MS WINDOW SUBSCRIBERS\n"
    "       zmqperf inproc BENCH ENDPOINT SIZE PARTS HWM WARMUP_MS DURATION_MS WINDOW SUBSCRIBERS\n";

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "version") == 0) {
    int major, minor, patch;
    zmq_version(&major, &minor, &patch);
    printf("libzmq %d.%d.%d\n", major, minor, patch);
    return 0;
  }
#ifdef __linux__
  /* End with the process that started this one (see the header); if it is already gone, now. */
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return 1;
#endif
  int inproc = argc == 3 + SPEC_ARGS && strcmp(argv[1], "inproc") == 0;
  const role_def_t *role = argc == 2 + SPEC_ARGS ? find_role(argv[1]) : NULL;
  if (!inproc && role == NULL) {
    fputs(USAGE, stderr);
    return 2;
  }
  void *ctx = zmq_ctx_new();
  if (ctx == NULL) zfail("zmq_ctx_new");
  if (inproc) {
    spec_t sp = spec_of(argv + 3);
    run_inproc(ctx, argv[2], &sp);
  } else {
    spec_t sp = spec_of(argv + 2);
    role_t r = {ctx, &sp, &STDIO_LINK, {0, 0, 0, 0, 0}};
    role->run(&r);
  }
  zmq_ctx_term(ctx);
  return 0;
}
