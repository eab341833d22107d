/* Live diagnostics for the client's panel; see diag_live.h. */
#include "diag_live.h"

#include "diag_facts.h"
#include "lg/diag.h"
#include "lg/log.h"
#include "lg/thread.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_PATH_MAX 4096
#define LIVE_SETTLE_MS 150u /* a trigger waits this long so bursts give one run */
#define LIVE_WRAP 88 /* columns: ~900 px of the 16 px monospace overlay font */
#define LIVE_VALUE_MAX 56 /* longer fact values are cut in the panel */
#define LIVE_ALSO_MAX 3   /* other warnings/errors listed under the verdict */

/* What the UI thread tells the worker (copied under the mutex). */
struct live_input {
  bool region_known, region_open, is_kvmfr;
  uint64_t region_size;
  char region_msg[REGION_MSG_MAX];
  bool have_session;
  enum session_state state;
  char message[256];
  uint32_t sessions;
  bool have_udata;
  struct lg_kvmfr_udata udata;
};

/* A finished snapshot of panel lines. */
struct live_view {
  size_t n;
  char line[DIAG_LIVE_LINES][DIAG_LIVE_LEN];
  enum lg_diag_severity worst;
  char worst_id[48];
};

struct diag_live {
  char root[LIVE_PATH_MAX], path[LIVE_PATH_MAX];
  bool allow_dma;
  void (*wake)(void *opaque);
  void *opaque;
  struct lg_thread *thread;
  struct lg_event *kick;
  struct lg_mutex *lock;

  /* under `lock` */
  bool stop;
  struct live_input in;
  uint64_t in_gen;
  struct live_view pub;
  uint64_t pub_gen;

  /* worker only */
  struct live_input work_in;
  struct live_view work_view;
  char logged[LG_DIAG_STR_MAX];
  char logged_also[1024]; /* ",id," of each other finding logged so far */

  /* UI thread only */
  struct live_view ui;
  uint64_t ui_gen;
  const char *ptr[DIAG_LIVE_LINES];
  char opened_id[48]; /* the error verdict that last opened the panel */
  bool auto_shown;    /* the panel is shown because an error opened it */
};

/* ---- building the snapshot (worker) ------------------------------------------------- */

static void add_line(struct live_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends one line (cut to DIAG_LIVE_LEN); the last slot is kept for the "more" line. */
static void add_line(struct live_view *v, const char *fmt, ...)
{
  if (v->n >= DIAG_LIVE_LINES - 1)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->line[v->n++], DIAG_LIVE_LEN, fmt, ap);
  va_end(ap);
}

/* Appends `text` word-wrapped to LIVE_WRAP columns, each of its own lines too, the first
 * line after `first`, the others after `cont`. */
static void add_wrapped(struct live_view *v, const char *first, const char *cont, const char *text)
{
  const char *lead = first;
  while (*text) {
    size_t room = LIVE_WRAP - strlen(lead), len = strcspn(text, "\n");
    if (len > room) {
      len = room;
      while (len > room / 2 && text[len] != ' ')
        --len;
      if (text[len] != ' ')
        len = room;
    }
    add_line(v, "%s%.*s", lead, (int)len, text);
    text += len;
    while (*text == ' ' || *text == '\n')
      ++text;
    lead = cont;
  }
}

/* The fact's "key=value" with the value cut to LIVE_VALUE_MAX. */
static void fact_item(const struct lg_diag_fact *f, char *out, size_t cap)
{
  char val[LG_DIAG_STR_MAX];
  lg_diag_fact_value_text(f, val, sizeof(val));
  for (char *p = val; *p; ++p)
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  if (strlen(val) > LIVE_VALUE_MAX)
    memcpy(val + LIVE_VALUE_MAX - 3, "...", 4);
  snprintf(out, cap, "%s=%s", f->key, val);
}

/* The facts of one half packed as "key=value" items, several to a line (header line
 * included only when there is room for it). Returns how many facts were not shown. */
static size_t add_half(struct live_view *v, const struct lg_diag *d, enum lg_diag_half half,
                       const char *name)
{
  size_t count = 0, written = 0, pending = 0;
  for (size_t i = 0; i < d->nfacts; ++i)
    count += d->facts[i].half == half;
  if (!count || v->n + 2 > DIAG_LIVE_LINES - 1)
    return count;
  add_line(v, "%s (%zu facts)", name, count);
  char line[LIVE_WRAP + 1] = "";
  for (size_t i = 0; i < d->nfacts; ++i) {
    if (d->facts[i].half != half)
      continue;
    char item[LIVE_WRAP - 1]; /* with the two-space indent, one line at most */
    fact_item(&d->facts[i], item, sizeof(item));
    size_t used = strlen(line);
    if (used && used + 3 + strlen(item) > LIVE_WRAP - 2) {
      if (v->n >= DIAG_LIVE_LINES - 1)
        break;
      add_line(v, "  %s", line);
      written += pending;
      pending = 0;
      line[0] = '\0';
      used = 0;
    }
    snprintf(line + used, sizeof(line) - used, "%s%s", used ? "   " : "", item);
    ++pending;
  }
  if (line[0] && v->n < DIAG_LIVE_LINES - 1) {
    add_line(v, "  %s", line);
    written += pending;
  }
  return count - written;
}

static const char *state_name(enum session_state s)
{
  switch (s) {
  case SESSION_WAITING: return "waiting for the host";
  case SESSION_NOT_LG: return "no Looking Glass host in the region";
  case SESSION_INCOMPATIBLE: return "incompatible host";
  case SESSION_RUNNING: return "attached";
  }
  return "unknown";
}

/* Facts only the running client knows: its own mapping, the frame path and the session. */
static void add_client_facts(const struct diag_live *dl, struct lg_diag *d,
                             const struct live_input *in)
{
  const char *src = "client mapping";
  if (in->region_known && in->region_open) {
    char text[128];
    snprintf(text, sizeof(text), "mapped read-write by the client (%" PRIu64 " bytes, %s)",
             in->region_size, in->is_kvmfr ? "kvmfr device" : "file");
    lg_diag_set_str(d, LG_DIAG_CLIENT, "region.map", text, src);
    /* The renderer uploads from the mapping; DMA-BUF import is not implemented. */
    const char *why = !in->is_kvmfr ? "the region is not a /dev/kvmfr device"
                      : !dl->allow_dma
                          ? "app:allowDMA is off"
                          : "this client uploads frames from the mapping (no DMA-BUF import yet)";
    lg_diag_set_str(d, LG_DIAG_CLIENT, "client.path", "copy", src);
    lg_diag_set_bool(d, LG_DIAG_CLIENT, "client.dmabuf", false, src);
    lg_diag_set_str(d, LG_DIAG_CLIENT, "client.dmabuf.reason", why, src);
  } else if (in->region_known) {
    lg_diag_set_str(d, LG_DIAG_CLIENT, "region.map", in->region_msg, src);
  }
  if (!in->have_session)
    return;
  src = "client session";
  lg_diag_set_str(d, LG_DIAG_CLIENT, "session.state", state_name(in->state), src);
  if (in->message[0])
    lg_diag_set_str(d, LG_DIAG_CLIENT, "session.message", in->message, src);
  lg_diag_set_u64(d, LG_DIAG_CLIENT, "session.attaches", in->sessions, src);
  if (in->have_udata)
    diag_facts_udata(d, &in->udata, true);
}

/* Logs each other warning or error finding once per client run. */
static void log_also(struct diag_live *dl, const struct lg_diag *d, const struct lg_diag_finding *w)
{
  for (size_t i = 0; i < d->nfindings; ++i) {
    const struct lg_diag_finding *f = &d->findings[i];
    if (f == w || f->severity < LG_DIAG_WARNING)
      continue;
    char tag[64];
    snprintf(tag, sizeof(tag), ",%s,", f->id);
    size_t used = strlen(dl->logged_also);
    if (strstr(dl->logged_also, tag) || used + strlen(tag) >= sizeof(dl->logged_also))
      continue;
    memcpy(dl->logged_also + used, tag, strlen(tag) + 1);
    if (f->severity == LG_DIAG_ERROR)
      LG_ERROR("diagnostics: also %s (%s)", f->title, f->id);
    else
      LG_WARN("diagnostics: also %s (%s)", f->title, f->id);
  }
}

/* One complete run: facts, rules, panel lines. */
static void run_once(struct diag_live *dl, const struct live_input *in, struct live_view *v)
{
  struct lg_diag d;
  lg_diag_init(&d);
  diag_facts_client_cpu(&d);
  struct lg_diag_host_opts host = {.root = dl->root, .region_path = dl->path[0] ? dl->path : NULL};
  lg_diag_collect_host(&d, &host);
  /* The region as the client sees it, read-only: LGMP header, heartbeat, newest frame. The
   * session's decoded udata, when there is one, gives the guest facts. */
  if (dl->path[0] && in->region_known && in->region_open)
    diag_facts_region(&d, dl->path, !(in->have_session && in->have_udata));
  add_client_facts(dl, &d, in);
  lg_diag_run_rules(&d);

  memset(v, 0, sizeof(*v));
  const struct lg_diag_finding *w = lg_diag_worst(&d);
  if (w) {
    v->worst = w->severity;
    snprintf(v->worst_id, sizeof(v->worst_id), "%s", w->id);
    const char *first = w->severity == LG_DIAG_ERROR     ? "Verdict: ERROR: "
                        : w->severity == LG_DIAG_WARNING ? "Verdict: WARNING: "
                                                         : "Verdict: ok: ";
    add_wrapped(v, first, "  ", w->title);
    if (w->remedy && w->remedy[0])
      add_wrapped(v, "Fix: ", "  ", w->remedy);
    size_t also = 0;
    for (size_t i = 0; i < d.nfindings && also < LIVE_ALSO_MAX; ++i) {
      const struct lg_diag_finding *f = &d.findings[i];
      if (f == w || f->severity < LG_DIAG_WARNING)
        continue;
      add_wrapped(v, "Also: ", "  ", f->title);
      ++also;
    }
  } else {
    v->worst = LG_DIAG_OK;
    add_line(v, "Verdict: no findings");
  }
  add_line(v, " ");
  size_t left = add_half(v, &d, LG_DIAG_GUEST, "Guest");
  left += add_half(v, &d, LG_DIAG_HOST, "Host");
  left += add_half(v, &d, LG_DIAG_CLIENT, "Client");
  if (left)
    snprintf(v->line[v->n++], DIAG_LIVE_LEN,
             "... %zu more facts: run looking-glass-client --diagnose", left);

  /* Log the verdict once per change, with its remedy as copyable text. */
  char verdict[LG_DIAG_STR_MAX];
  snprintf(verdict, sizeof(verdict), "%s|%s", w ? w->id : "", w ? w->title : "");
  if (strcmp(verdict, dl->logged) != 0) {
    snprintf(dl->logged, sizeof(dl->logged), "%s", verdict);
    if (!w)
      LG_INFO("diagnostics verdict: no findings");
    else if (w->severity == LG_DIAG_ERROR)
      LG_ERROR("diagnostics verdict: %s (%s). Fix: %s", w->title, w->id, w->remedy);
    else if (w->severity == LG_DIAG_WARNING)
      LG_WARN("diagnostics verdict: %s (%s). Fix: %s", w->title, w->id, w->remedy);
    else
      LG_INFO("diagnostics verdict: %s (%s)", w->title, w->id);
  }
  log_also(dl, &d, w);
  lg_diag_free(&d);
}

static int worker(void *opaque)
{
  struct diag_live *dl = opaque;
  uint64_t done_gen = UINT64_MAX;
  for (;;) {
    lg_mutex_lock(dl->lock);
    bool stop = dl->stop;
    uint64_t gen = dl->in_gen;
    if (!stop && gen != done_gen)
      dl->work_in = dl->in;
    lg_mutex_unlock(dl->lock);
    if (stop)
      break;
    if (gen == done_gen) {
      lg_event_wait(dl->kick, LG_WAIT_FOREVER);
      /* settle: a region open is followed by the session attaching soon after */
      lg_event_wait(dl->kick, LIVE_SETTLE_MS);
      continue;
    }
    run_once(dl, &dl->work_in, &dl->work_view);
    done_gen = gen;
    lg_mutex_lock(dl->lock);
    dl->pub = dl->work_view;
    dl->pub_gen++;
    lg_mutex_unlock(dl->lock);
    if (dl->wake)
      dl->wake(dl->opaque);
  }
  return 0;
}

/* ---- UI thread ---------------------------------------------------------------------- */

struct diag_live *diag_live_start(const struct lg_options *opts, void (*wake)(void *opaque),
                                  void *opaque)
{
  struct diag_live *dl = calloc(1, sizeof(*dl));
  if (!dl)
    return NULL;
  const char *root = lg_option_get_string(opts, "diag", "root");
  const char *path = lg_option_get_string(opts, "app", "shmFile");
  snprintf(dl->root, sizeof(dl->root), "%s", root && *root ? root : "/");
  snprintf(dl->path, sizeof(dl->path), "%s", path ? path : "");
  dl->allow_dma = lg_option_get_bool(opts, "app", "allowDMA");
  dl->wake = wake;
  dl->opaque = opaque;
  dl->ui.n = 1;
  snprintf(dl->ui.line[0], DIAG_LIVE_LEN, "Diagnostics are running...");
  dl->kick = lg_event_new(true);
  dl->lock = lg_mutex_new();
  if (dl->kick && dl->lock)
    dl->thread = lg_thread_create("diag", worker, dl);
  if (!dl->thread) {
    lg_event_free(dl->kick);
    lg_mutex_free(dl->lock);
    free(dl);
    return NULL;
  }
  return dl;
}

void diag_live_stop(struct diag_live *dl)
{
  if (!dl)
    return;
  lg_mutex_lock(dl->lock);
  dl->stop = true;
  lg_mutex_unlock(dl->lock);
  lg_event_signal(dl->kick);
  lg_thread_join(dl->thread, NULL);
  lg_event_free(dl->kick);
  lg_mutex_free(dl->lock);
  free(dl);
}

void diag_live_region(struct diag_live *dl, const struct region *r, const char *msg)
{
  if (!dl)
    return;
  lg_mutex_lock(dl->lock);
  struct live_input *in = &dl->in;
  bool changed = !in->region_known || in->region_open != (r != NULL) ||
                 (!r && strcmp(in->region_msg, msg ? msg : "") != 0);
  if (changed) {
    in->region_known = true;
    in->region_open = r != NULL;
    in->is_kvmfr = r && r->is_kvmfr;
    in->region_size = r ? r->size : 0;
    snprintf(in->region_msg, sizeof(in->region_msg), "%s", r || !msg ? "" : msg);
    dl->in_gen++;
  }
  lg_mutex_unlock(dl->lock);
  if (changed)
    lg_event_signal(dl->kick);
}

void diag_live_session(struct diag_live *dl, const struct session_info *info)
{
  if (!dl || !info)
    return;
  lg_mutex_lock(dl->lock);
  struct live_input *in = &dl->in;
  bool changed = !in->have_session || in->state != info->state ||
                 in->sessions != info->sessions || in->have_udata != info->have_udata;
  if (changed) {
    in->have_session = true;
    in->state = info->state;
    in->sessions = info->sessions;
    in->have_udata = info->have_udata;
    in->udata = info->udata;
    snprintf(in->message, sizeof(in->message), "%s", info->message);
    dl->in_gen++;
  }
  lg_mutex_unlock(dl->lock);
  if (changed)
    lg_event_signal(dl->kick);
}

bool diag_live_poll(struct diag_live *dl, bool *show_panel)
{
  if (!dl)
    return false;
  lg_mutex_lock(dl->lock);
  bool fresh = dl->pub_gen != dl->ui_gen;
  if (fresh) {
    dl->ui = dl->pub;
    dl->ui_gen = dl->pub_gen;
  }
  lg_mutex_unlock(dl->lock);
  if (!fresh)
    return false;
  if (dl->ui.worst == LG_DIAG_ERROR) {
    /* Open by itself once per distinct error verdict. */
    if (strcmp(dl->opened_id, dl->ui.worst_id) != 0) {
      snprintf(dl->opened_id, sizeof(dl->opened_id), "%s", dl->ui.worst_id);
      dl->auto_shown = !*show_panel || dl->auto_shown;
      *show_panel = true;
    }
  } else {
    /* The error is gone: close what was opened by itself (the same error may open it again
     * later); a panel the user opened stays. */
    if (dl->auto_shown && *show_panel)
      *show_panel = false;
    dl->auto_shown = false;
    dl->opened_id[0] = '\0';
  }
  return true;
}

size_t diag_live_lines(struct diag_live *dl, const char *const **lines)
{
  if (!dl) {
    *lines = NULL;
    return 0;
  }
  for (size_t i = 0; i < dl->ui.n; ++i)
    dl->ptr[i] = dl->ui.line[i];
  *lines = dl->ptr;
  return dl->ui.n;
}
