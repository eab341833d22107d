/* looking-glass-dump REGION [--json] [--no-wait]: maps a shared-memory region read-only and
 * prints the LGMP header, queues, subscribers, ring slots, the KVMFR udata and records, and
 * the newest frame and cursor, each validated. Exit 0: the region decodes; 2: it is
 * invalid (what could be decoded is still printed); 1: usage or I/O error. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "lg/diag_record.h"
#include "lg/kvmfr.h"
#include "lg/kvmfr_frame.h"
#include "lg/kvmfr_udata.h"
#include "lgmp/inspect.h"

#define DUMP_KVMFR_GETSIZE 0x7544u /* _IO('u', 0x44) of the kvmfr module */
#define DUMP_SAMPLE_MS 50
#define DUMP_PIXELS 8
#define DUMP_MAX_ERRORS 16

/* What the dump found wrong, collected while printing and listed at the end. */
struct problems {
  uint32_t count;
  char text[DUMP_MAX_ERRORS][224];
};

static void problem(struct problems *p, const char *what, const char *why)
{
  if (p->count < DUMP_MAX_ERRORS)
    snprintf(p->text[p->count], sizeof(p->text[0]), "%s: %s", what, why);
  ++p->count;
}

static void usage(FILE *f)
{
  fprintf(f,
          "usage: looking-glass-dump REGION [--json] [--no-wait]\n"
          "  REGION     /dev/shm/looking-glass, /dev/kvmfr0 or a copy of a region\n"
          "  --json     print JSON instead of text\n"
          "  --no-wait  do not sample the heartbeat twice %d ms apart\n"
          "exit status: 0 region decodes, 2 region invalid, 1 usage or I/O error\n",
          DUMP_SAMPLE_MS);
}

static const char *queue_name(uint32_t id)
{
  switch (id) {
  case LGMP_Q_POINTER:
    return "POINTER";
  case LGMP_Q_FRAME:
    return "FRAME";
  default:
    return "unknown";
  }
}

static uint64_t load_timestamp(const uint8_t *base)
{
  return __atomic_load_n((const uint64_t *)(const void *)(base + 16), __ATOMIC_ACQUIRE);
}

static void emit_header(struct emit *e, const uint8_t *base, size_t size,
                        const struct lgmp_inspect *in, bool sample)
{
  emit_obj_begin(e, "lgmp");
  emit_s(e, "status", in->error == LGMP_INSPECT_OK ? "ok" : in->message);
  emit_s(e, "error", lgmp_inspect_error_string(in->error));
  if (in->error != LGMP_INSPECT_TOO_SMALL) {
    emit_x(e, "magic", in->magic, 8);
    emit_u(e, "version", in->version);
    emit_x(e, "sessionID", in->session_id, 8);
    emit_u(e, "timestamp", in->timestamp);
    emit_u(e, "numQueues", in->num_queues);
    emit_u(e, "udataSize", in->udata_size);
    if (sample && in->error != LGMP_INSPECT_ZERO && in->error != LGMP_INSPECT_BAD_MAGIC) {
      struct timespec ts = {0, DUMP_SAMPLE_MS * 1000000L};
      uint64_t t0 = load_timestamp(base);
      nanosleep(&ts, NULL);
      uint64_t t1 = load_timestamp(base);
      emit_obj_begin(e, "heartbeat");
      emit_u(e, "sampleMs", DUMP_SAMPLE_MS);
      emit_u(e, "first", t0);
      emit_u(e, "second", t1);
      emit_b(e, "alive", t1 != t0);
      emit_s(e, "verdict",
             t1 != t0 ? "host alive: the timestamp advanced"
                      : "no host heartbeat: the timestamp did not change");
      emit_obj_end(e);
    }
  }
  (void)size;
  emit_obj_end(e);
}

static void emit_slots(struct emit *e, const uint8_t *base, size_t size,
                       const struct lgmp_inspect_queue *q)
{
  uint32_t empty = 0;
  emit_arr_begin(e, "slots");
  for (uint32_t k = 0; k < q->num_messages; ++k) {
    struct lgmp_header_message m;
    bool ok = lgmp_inspect_message(base, size, q, k, &m);
    if (ok && m.udata == 0 && m.size == 0 && m.offset == 0 && m.pending_subs == 0) {
      ++empty; /* never used: listed only as a count */
      continue;
    }
    emit_obj_begin(e, NULL);
    emit_u(e, "index", k);
    emit_x(e, "udata", m.udata, 1);
    emit_u(e, "size", m.size);
    emit_x(e, "offset", m.offset, 1);
    emit_x(e, "pendingSubs", m.pending_subs, 1);
    emit_b(e, "inRegion", ok);
    emit_obj_end(e);
  }
  emit_arr_end(e);
  emit_u(e, "emptySlots", empty);
}

static void emit_queues(struct emit *e, const uint8_t *base, size_t size,
                        const struct lgmp_inspect *in, bool rings_ok)
{
  uint32_t nq = in->num_queues <= LGMP_MAX_QUEUES ? in->num_queues : LGMP_MAX_QUEUES;
  emit_arr_begin(e, "queues");
  for (uint32_t i = 0; i < nq; ++i) {
    const struct lgmp_inspect_queue *q = &in->queues[i];
    emit_obj_begin(e, NULL);
    emit_u(e, "index", i);
    emit_u(e, "queueID", q->queue_id);
    emit_s(e, "name", queue_name(q->queue_id));
    emit_u(e, "numMessages", q->num_messages);
    emit_u(e, "newSubCount", q->new_sub_count);
    emit_u(e, "maxTime", q->max_time);
    emit_u(e, "position", q->position);
    emit_u(e, "messagesOffset", q->messages_offset);
    emit_u(e, "lock", q->lock);
    emit_x(e, "subs", q->subs, 16);
    emit_x(e, "subsOn", q->subs >> 32, 8);
    emit_x(e, "subsBad", q->subs & 0xFFFFFFFFu, 8);
    emit_u(e, "start", q->start);
    emit_u(e, "msgTimeout", q->msg_timeout);
    emit_u(e, "count", q->count);
    emit_u(e, "cMsgLock", q->cmsg_lock);
    emit_u(e, "cMsgAvail", q->cmsg_avail);
    emit_u(e, "cMsgWPos", q->cmsg_wpos);
    emit_u(e, "cMsgWSerial", q->cmsg_wserial);
    emit_u(e, "cMsgRSerial", q->cmsg_rserial);
    emit_arr_begin(e, "subscribers");
    for (uint32_t b = 0; b < LGMP_SUBS_MAX; ++b) {
      bool on = (q->subs >> (32 + b)) & 1u;
      bool bad = (q->subs >> b) & 1u;
      if (!on && !bad && q->client_id[b] == 0 && q->timeout[b] == 0)
        continue;
      emit_obj_begin(e, NULL);
      emit_u(e, "bit", b);
      emit_b(e, "on", on);
      emit_b(e, "bad", bad);
      emit_x(e, "clientID", q->client_id[b], 8);
      emit_u(e, "timeout", q->timeout[b]);
      emit_obj_end(e);
    }
    emit_arr_end(e);
    if (rings_ok)
      emit_slots(e, base, size, q);
    emit_obj_end(e);
  }
  emit_arr_end(e);
}

static void emit_uuid(struct emit *e, const uint8_t *u)
{
  char s[40];
  size_t n = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      s[n++] = '-';
    n += (size_t)snprintf(s + n, sizeof(s) - n, "%02x", u[i]);
  }
  emit_s(e, "uuid", s);
}

static void emit_lgdiag(struct emit *e, const struct lg_diag_record *d)
{
  emit_u(e, "recVersion", d->rec_version);
  emit_u(e, "fixedSize", d->fixed_size);
  emit_x(e, "valid", d->valid, 1);
  emit_b(e, "barAddrValid", d->valid & LGDIAG_VALID_BAR_ADDR);
  emit_b(e, "barSizeValid", d->valid & LGDIAG_VALID_BAR_SIZE);
  emit_b(e, "physBitsValid", d->valid & LGDIAG_VALID_PHYS_BITS);
  emit_b(e, "mapValid", d->valid & LGDIAG_VALID_MAP);
  emit_x(e, "barAddr", d->bar_addr, 1);
  emit_u(e, "barSize", d->bar_size);
  emit_u(e, "physBits", d->phys_bits);
  emit_u(e, "virtBits", d->virt_bits);
  emit_u(e, "mapStage", d->map_stage);
  emit_s(e, "mapStageName", lg_diag_map_stage_name(d->map_stage));
  emit_u(e, "mapFailures", d->map_failures);
  emit_x(e, "mapError", d->map_error, 8);
  if (d->has_detail)
    emit_s(e, "detail", d->detail);
}

static void emit_record(struct emit *e, const struct lg_kvmfr_udata *u, uint32_t i)
{
  const struct lg_kvmfr_record_info *r = &u->records[i];
  emit_obj_begin(e, NULL);
  emit_u(e, "type", r->type);
  emit_s(e, "name", lg_kvmfr_record_type_name(r->type));
  emit_u(e, "size", r->size);
  emit_u(e, "udataOffset", r->offset);
  emit_x(e, "regionOffset", (uint64_t)LGMP_UDATA_OFFSET + r->offset, 1);
  /* the decoder keeps the first record of each kind; show its fields there */
  bool first = true;
  for (uint32_t k = 0; k < i; ++k)
    if (u->records[k].type == r->type)
      first = false;
  if (first && r->type == KVMFR_RECORD_VMINFO && u->has_vminfo) {
    emit_uuid(e, u->vminfo.uuid);
    emit_s(e, "capture", u->vminfo.capture);
    emit_u(e, "cpus", u->vminfo.cpus);
    emit_u(e, "cores", u->vminfo.cores);
    emit_u(e, "sockets", u->vminfo.sockets);
    emit_s(e, "model", u->vminfo.model);
  } else if (first && r->type == KVMFR_RECORD_OSINFO && u->has_osinfo) {
    emit_u(e, "os", u->osinfo.os);
    emit_s(e, "osName", lg_kvmfr_os_name(u->osinfo.os));
    emit_s(e, "osText", u->osinfo.name);
  } else if (first && r->type == KVMFR_RECORD_LGDIAG) {
    if (u->has_lgdiag)
      emit_lgdiag(e, &u->lgdiag);
    else
      emit_s(e, "rejected", lg_diag_record_error_string(u->lgdiag_error));
  }
  emit_obj_end(e);
}

static void emit_kvmfr(struct emit *e, const struct lgmp_inspect *in, struct problems *pr)
{
  struct lg_kvmfr_udata *u = &(struct lg_kvmfr_udata){0};
  char msg[200];
  emit_obj_begin(e, "kvmfr");
  enum lg_kvmfr_udata_error err =
      lg_kvmfr_udata_decode(in->udata, in->udata_size, u, msg, sizeof(msg));
  emit_s(e, "status", msg);
  if (err == LG_KVMFR_UDATA_TOO_SMALL) {
    problem(pr, "kvmfr", msg);
    emit_obj_end(e);
    return;
  }
  emit_s(e, "magic", KVMFR_MAGIC);
  emit_u(e, "version", u->version);
  emit_s(e, "hostver", u->hostver);
  emit_x(e, "features", u->features, 1);
  emit_b(e, "setCursorPos", u->features & KVMFR_FEATURE_SETCURSORPOS);
  emit_b(e, "windowSize", u->features & KVMFR_FEATURE_WINDOWSIZE);
  if (err != LG_KVMFR_UDATA_OK) {
    problem(pr, "kvmfr", msg);
    emit_obj_end(e);
    return;
  }
  emit_u(e, "recordCount", u->record_count);
  emit_b(e, "recordsComplete", u->records_complete);
  emit_u(e, "parsedBytes", u->parsed_bytes);
  emit_arr_begin(e, "records");
  for (uint32_t i = 0; i < u->record_count && i < LG_KVMFR_MAX_RECORDS; ++i)
    emit_record(e, u, i);
  emit_arr_end(e);
  emit_arr_begin(e, "warnings");
  for (uint32_t i = 0; i < u->warning_count; ++i)
    emit_s(e, NULL, u->warnings[i]);
  emit_arr_end(e);
  if (!u->records_complete)
    problem(pr, "kvmfr records", u->warnings[u->warning_count ? u->warning_count - 1 : 0]);
  emit_obj_end(e);
}

/* The newest slot of queue `id`, or false (with a reason) when there is none to read. */
static bool newest_message(const uint8_t *base, size_t size, const struct lgmp_inspect *in,
                           uint32_t id, struct emit *e, struct lgmp_header_message *m)
{
  int qi = lgmp_inspect_find_queue(in, id);
  if (qi < 0) {
    emit_s(e, "status", "no such queue");
    return false;
  }
  const struct lgmp_inspect_queue *q = &in->queues[qi];
  uint32_t idx = lgmp_inspect_newest_index(q);
  emit_u(e, "queueIndex", (uint64_t)qi);
  emit_u(e, "slot", idx);
  if (!lgmp_inspect_message(base, size, q, idx, m)) {
    emit_s(e, "status", "slot outside the region");
    return false;
  }
  emit_x(e, "offset", m->offset, 1);
  emit_u(e, "size", m->size);
  emit_x(e, "udata", m->udata, 1);
  emit_x(e, "pendingSubs", m->pending_subs, 1);
  if (m->size == 0 && m->offset == 0) {
    emit_s(e, "status", "nothing posted");
    return false;
  }
  return true;
}

static void emit_frame(struct emit *e, const uint8_t *base, size_t size,
                       const struct lgmp_inspect *in, struct problems *pr)
{
  struct lgmp_header_message m;
  struct lg_frame_view *v = &(struct lg_frame_view){0};
  char msg[256];
  emit_obj_begin(e, "frame");
  if (!newest_message(base, size, in, LGMP_Q_FRAME, e, &m)) {
    emit_obj_end(e);
    return;
  }
  enum lg_frame_error err = lg_frame_validate(base, size, m.offset, m.size, v, msg, sizeof(msg));
  emit_b(e, "valid", err == LG_FRAME_OK);
  emit_s(e, "status", msg);
  if (err != LG_FRAME_OK)
    problem(pr, "newest frame", msg);
  if (err == LG_FRAME_MSG_BOUNDS || err == LG_FRAME_MSG_TOO_SMALL) {
    emit_obj_end(e);
    return;
  }
  const struct kvmfr_frame *h = &v->header;
  emit_u(e, "formatVer", h->format_ver);
  emit_u(e, "frameSerial", h->frame_serial);
  emit_u(e, "type", h->type);
  emit_s(e, "typeName", lg_frame_type_name(h->type));
  emit_u(e, "screenWidth", h->screen_width);
  emit_u(e, "screenHeight", h->screen_height);
  emit_u(e, "dataWidth", h->data_width);
  emit_u(e, "dataHeight", h->data_height);
  emit_u(e, "frameWidth", h->frame_width);
  emit_u(e, "frameHeight", h->frame_height);
  emit_u(e, "rotation", h->rotation);
  emit_u(e, "stride", h->stride);
  emit_u(e, "pitch", h->pitch);
  emit_u(e, "headerOffset", h->offset);
  emit_u(e, "damageRectsCount", h->damage_rects_count);
  emit_x(e, "flags", h->flags, 1);
  if (err != LG_FRAME_OK) {
    emit_obj_end(e);
    return;
  }
  emit_arr_begin(e, "damage");
  for (uint32_t i = 0; i < v->damage_count; ++i) {
    emit_obj_begin(e, NULL);
    emit_u(e, "x", v->damage[i].x);
    emit_u(e, "y", v->damage[i].y);
    emit_u(e, "width", v->damage[i].width);
    emit_u(e, "height", v->damage[i].height);
    emit_obj_end(e);
  }
  emit_arr_end(e);
  const uint8_t *data;
  const uint32_t *wpp;
  if (!lg_frame_pointers(base, size, v, &data, &wpp)) {
    emit_obj_end(e);
    return;
  }
  uint32_t wp = lg_frame_load_wp(wpp);
  emit_x(e, "wpOffset", v->wp_offset, 1);
  emit_x(e, "dataOffset", v->data_offset, 1);
  emit_u(e, "dataSize", v->data_size);
  emit_u(e, "wp", wp);
  emit_b(e, "complete", wp >= v->data_size);
  /* only bytes already published (below wp) and inside row 0 are shown */
  uint64_t avail = wp < v->data_size ? wp : v->data_size;
  uint64_t row = (uint64_t)h->data_width * v->bpp;
  uint64_t show = (uint64_t)DUMP_PIXELS * v->bpp;
  if (show > row)
    show = row;
  if (show > avail)
    show = avail;
  emit_arr_begin(e, "firstPixels");
  for (uint64_t px = 0; px + v->bpp <= show; px += v->bpp) {
    char hex[3 * 8 + 1];
    size_t n = 0;
    for (uint32_t b = 0; b < v->bpp; ++b)
      n += (size_t)snprintf(hex + n, sizeof(hex) - n, b ? " %02X" : "%02X", data[px + b]);
    emit_s(e, NULL, hex);
  }
  emit_arr_end(e);
  emit_obj_end(e);
}

static void emit_cursor(struct emit *e, const uint8_t *base, size_t size,
                        const struct lgmp_inspect *in, struct problems *pr)
{
  struct lgmp_header_message m;
  struct lg_cursor_view v;
  char msg[256];
  emit_obj_begin(e, "cursor");
  if (!newest_message(base, size, in, LGMP_Q_POINTER, e, &m)) {
    emit_obj_end(e);
    return;
  }
  enum lg_cursor_error err =
      lg_cursor_validate(base, size, m.offset, m.size, m.udata, &v, msg, sizeof(msg));
  emit_b(e, "valid", err == LG_CURSOR_OK);
  emit_s(e, "status", msg);
  if (err != LG_CURSOR_OK)
    problem(pr, "newest cursor", msg);
  if (err == LG_CURSOR_MSG_BOUNDS || err == LG_CURSOR_MSG_TOO_SMALL) {
    emit_obj_end(e);
    return;
  }
  const struct kvmfr_cursor *c = &v.header;
  emit_b(e, "position", m.udata & CURSOR_FLAG_POSITION);
  emit_b(e, "visible", m.udata & CURSOR_FLAG_VISIBLE);
  emit_b(e, "shape", m.udata & CURSOR_FLAG_SHAPE);
  emit_i(e, "x", c->x);
  emit_i(e, "y", c->y);
  emit_u(e, "type", c->type);
  emit_s(e, "typeName", lg_cursor_type_name(c->type));
  emit_i(e, "hx", c->hx);
  emit_i(e, "hy", c->hy);
  emit_u(e, "width", c->width);
  emit_u(e, "height", c->height);
  emit_u(e, "pitch", c->pitch);
  if (err == LG_CURSOR_OK && v.has_shape) {
    emit_x(e, "shapeOffset", v.shape_offset, 1);
    emit_u(e, "shapeSize", v.shape_size);
    if (c->type != CURSOR_TYPE_MONOCHROME) {
      uint64_t nonzero = 0;
      for (uint32_t y = 0; y < c->height; ++y)
        for (uint32_t x = 0; x < c->width; ++x) {
          uint32_t px;
          memcpy(&px, base + v.shape_offset + (uint64_t)y * c->pitch + 4u * x, 4);
          nonzero += px != 0;
        }
      emit_u(e, "nonZeroPixels", nonzero);
    }
  }
  emit_obj_end(e);
}

/* Opens and maps `path` read-only; *size 0 with *mem NULL is an empty file. */
static bool map_region(const char *path, const uint8_t **mem, size_t *size)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "looking-glass-dump: cannot open %s: %s\n", path, strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fprintf(stderr, "looking-glass-dump: cannot stat %s: %s\n", path, strerror(errno));
    close(fd);
    return false;
  }
  uint64_t len = (uint64_t)st.st_size;
  if (S_ISCHR(st.st_mode)) {
    int r = ioctl(fd, DUMP_KVMFR_GETSIZE, 0);
    if (r < 0) {
      fprintf(stderr, "looking-glass-dump: %s: size query failed: %s\n", path, strerror(errno));
      close(fd);
      return false;
    }
    len = (uint64_t)r;
  } else if (!S_ISREG(st.st_mode)) {
    fprintf(stderr, "looking-glass-dump: %s is not a regular file or kvmfr device\n", path);
    close(fd);
    return false;
  }
  if (len > SIZE_MAX) {
    fprintf(stderr, "looking-glass-dump: %s is too large to map\n", path);
    close(fd);
    return false;
  }
  *size = (size_t)len;
  *mem = NULL;
  if (len > 0) {
    void *p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      fprintf(stderr, "looking-glass-dump: cannot map %s: %s\n", path, strerror(errno));
      close(fd);
      return false;
    }
    *mem = p;
  }
  close(fd);
  return true;
}

int main(int argc, char **argv)
{
  const char *path = NULL;
  bool json = false, sample = true;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--json") == 0)
      json = true;
    else if (strcmp(argv[i], "--no-wait") == 0)
      sample = false;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' || path) {
      usage(stderr);
      return 1;
    } else
      path = argv[i];
  }
  if (!path) {
    usage(stderr);
    return 1;
  }

  const uint8_t *base;
  size_t size;
  if (!map_region(path, &base, &size))
    return 1;

  struct problems pr = {0};
  struct lgmp_inspect in;
  lgmp_inspect_region(base, size, &in);
  if (in.error != LGMP_INSPECT_OK)
    problem(&pr, "lgmp", in.message);

  struct emit e;
  emit_init(&e, stdout, json);
  emit_obj_begin(&e, "region");
  emit_s(&e, "path", path);
  emit_u(&e, "size", size);
  emit_obj_end(&e);

  emit_header(&e, base, size, &in, sample);
  bool header_ok = in.error == LGMP_INSPECT_OK || in.error == LGMP_INSPECT_MESSAGE_BOUNDS ||
                   in.error == LGMP_INSPECT_QUEUE_BOUNDS || in.error == LGMP_INSPECT_QUEUE_COUNT;
  bool rings_ok = in.error == LGMP_INSPECT_OK || in.error == LGMP_INSPECT_MESSAGE_BOUNDS;
  if (header_ok) {
    emit_queues(&e, base, size, &in, rings_ok);
    emit_kvmfr(&e, &in, &pr);
  }
  if (rings_ok) {
    emit_frame(&e, base, size, &in, &pr);
    emit_cursor(&e, base, size, &in, &pr);
  }

  emit_b(&e, "valid", pr.count == 0);
  emit_arr_begin(&e, "problems");
  for (uint32_t i = 0; i < pr.count && i < DUMP_MAX_ERRORS; ++i)
    emit_s(&e, NULL, pr.text[i]);
  emit_arr_end(&e);
  bool ok = emit_finish(&e);
  if (base)
    munmap((void *)base, size);
  if (!ok) {
    fprintf(stderr, "looking-glass-dump: internal JSON writer error\n");
    return 1;
  }
  return pr.count == 0 ? 0 : 2;
}
