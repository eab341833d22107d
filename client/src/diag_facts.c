/* Region and udata facts for the diagnostics model; see diag_facts.h. */
#include "diag_facts.h"

#include "lg/cpuinfo.h"
#include "lg/kvmfr.h"
#include "lg/kvmfr_frame.h"
#include "lg/log.h"
#include "lg/time.h"
#include "lgmp/inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIAG_KVMFR_GETSIZE 0x7544ul /* KVMFR_DMABUF_GETSIZE, _IO('u', 0x44), spec §4.2 */
#define DIAG_TIMESTAMP_OFFSET 16u /* lgmp_header.timestamp */
#define DIAG_FIRST_LOOK_MS 50u    /* first look: a live host ticks every 10 ms */
#define DIAG_POLL_MS 5u           /* poll step within the first look */
#define DIAG_STALE_WAIT_MS 1100u  /* past LGMP_HEARTBEAT_TIMEOUT (1000 ms) */
#define DIAG_STALE_POLL_MS 50u    /* poll step after the first look */

/* A read-only view of the region. */
struct diag_region {
  int fd;
  const uint8_t *mem;
  uint64_t size;
  bool is_kvmfr;
};

void diag_facts_join_root(const char *root, const char *path, char *out, size_t cap)
{
  if (!root || !*root || strcmp(root, "/") == 0) {
    snprintf(out, cap, "%s", path);
    return;
  }
  size_t rl = strlen(root);
  while (rl > 1 && root[rl - 1] == '/')
    --rl;
  snprintf(out, cap, "%.*s%s", (int)rl, root, path);
}

static void set_map_fact(struct lg_diag *d, const char *what, int err)
{
  char text[256];
  if (err)
    snprintf(text, sizeof(text), "%s: %s", what, strerror(err));
  else
    snprintf(text, sizeof(text), "%s", what);
  lg_diag_set_str(d, LG_DIAG_CLIENT, "region.map", text, "diagnose read-only open");
}

/* Opens and maps `full` read-only; records region.size/region.map. False when unmapped. */
static bool region_open_ro(struct lg_diag *d, const char *full, struct diag_region *r)
{
  memset(r, 0, sizeof(*r));
  r->fd = -1;
  /* O_NONBLOCK: a FIFO at the path must not hang the diagnosis. */
  int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    set_map_fact(d, "open O_RDONLY failed", errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_map_fact(d, "fstat failed", errno);
    close(fd);
    return false;
  }
  uint64_t size;
  if (S_ISREG(st.st_mode)) {
    size = (uint64_t)st.st_size;
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.size", size, "fstat");
  } else if (S_ISCHR(st.st_mode)) {
    long v = ioctl(fd, DIAG_KVMFR_GETSIZE, 0);
    if (v < 0) {
      set_map_fact(d, "KVMFR_DMABUF_GETSIZE ioctl failed (not a kvmfr device?)", errno);
      close(fd);
      return false;
    }
    size = (uint64_t)v;
    r->is_kvmfr = true;
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "region.size", size, "KVMFR_DMABUF_GETSIZE ioctl");
  } else {
    set_map_fact(d, "not a regular file or character device", 0);
    close(fd);
    return false;
  }
  if (size < LGMP_HEADER_SIZE || (uint64_t)(size_t)size != size) {
    char text[96];
    snprintf(text, sizeof(text),
             "not mapped: %" PRIu64 " bytes cannot hold the %u-byte LGMP header", size,
             (unsigned)LGMP_HEADER_SIZE);
    set_map_fact(d, text, 0);
    close(fd);
    return false;
  }
  void *mem = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
  if (mem == MAP_FAILED) {
    set_map_fact(d, "mmap PROT_READ failed", errno);
    close(fd);
    return false;
  }
  set_map_fact(d, "ok (read-only)", 0);
  r->fd = fd;
  r->mem = mem;
  r->size = size;
  return true;
}

static void region_close_ro(struct diag_region *r)
{
  if (r->mem)
    munmap((void *)r->mem, (size_t)r->size);
  if (r->fd >= 0)
    close(r->fd);
  r->mem = NULL;
  r->fd = -1;
}

/* The heartbeat as the host last wrote it (aligned: offset 16 of a page-aligned map). */
static uint64_t read_timestamp(const struct diag_region *r)
{
  const volatile uint64_t *p = (const volatile uint64_t *)(r->mem + DIAG_TIMESTAMP_OFFSET);
  return *p;
}

/* Samples the heartbeat: moved within the first 50 ms means a live host; otherwise keeps
 * looking until the LGMP heartbeat timeout has passed and reports how long it stood still. */
static void sample_heartbeat(struct lg_diag *d, const struct diag_region *r)
{
  uint64_t first = read_timestamp(r);
  uint64_t start = lg_time_ms();
  uint64_t elapsed = 0;
  bool moved = false;
  while (!moved && elapsed < DIAG_STALE_WAIT_MS) {
    lg_sleep_ms(elapsed < DIAG_FIRST_LOOK_MS ? DIAG_POLL_MS : DIAG_STALE_POLL_MS);
    moved = read_timestamp(r) != first;
    elapsed = lg_time_ms() - start;
  }
  char src[96];
  if (moved) {
    snprintf(src, sizeof(src), "LGMP timestamp moved within %" PRIu64 " ms", elapsed);
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "lgmp.heartbeat_age_ms", 0, src);
  } else {
    snprintf(src, sizeof(src), "LGMP timestamp unchanged for %" PRIu64 " ms", elapsed);
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "lgmp.heartbeat_age_ms", elapsed, src);
  }
  lg_diag_set_bool(d, LG_DIAG_CLIENT, "lgmp.host_running", moved, src);
}

/* Guest facts from a decoded LGDIAG record, each only when its valid bit is set. */
static void add_lgdiag_facts(struct lg_diag *d, const struct lg_diag_record *rec)
{
  const char *src = "LGDIAG record";
  lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.lgdiag.valid", rec->valid, src);
  if (rec->valid & LGDIAG_VALID_BAR_ADDR)
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.ivshmem.bar2", rec->bar_addr, src);
  if (rec->valid & LGDIAG_VALID_BAR_SIZE)
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.ivshmem.bar2_size", rec->bar_size, src);
  if (rec->valid & LGDIAG_VALID_PHYS_BITS) {
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.cpu.phys_bits", rec->phys_bits, src);
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.cpu.virt_bits", rec->virt_bits, src);
  }
  if (rec->valid & LGDIAG_VALID_MAP) {
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.map.stage", rec->map_stage, src);
    lg_diag_set_str(d, LG_DIAG_GUEST, "guest.map.stage_name",
                    lg_diag_map_stage_name(rec->map_stage), src);
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.map.error", rec->map_error, src);
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.map.failures", rec->map_failures, src);
  }
  if (rec->has_detail && rec->detail[0])
    lg_diag_set_str(d, LG_DIAG_GUEST, "guest.lgdiag.detail", rec->detail, src);
}

void diag_facts_udata(struct lg_diag *d, const struct lg_kvmfr_udata *u, bool complete)
{
  const char *src = "KVMFR udata";
  lg_diag_set_u64(d, LG_DIAG_GUEST, "kvmfr.version", u->version, src);
  if (u->hostver[0])
    lg_diag_set_str(d, LG_DIAG_GUEST, "guest.lg.hostver", u->hostver, src);
  if (!complete)
    return;
  lg_diag_set_u64(d, LG_DIAG_GUEST, "kvmfr.features", u->features, src);
  if (u->has_vminfo) {
    if (u->vminfo.model[0])
      lg_diag_set_str(d, LG_DIAG_GUEST, "guest.cpu.model", u->vminfo.model, "KVMFR VMINFO");
    lg_diag_set_u64(d, LG_DIAG_GUEST, "guest.cpu.count", u->vminfo.cpus, "KVMFR VMINFO");
    if (u->vminfo.capture[0])
      lg_diag_set_str(d, LG_DIAG_GUEST, "guest.capture", u->vminfo.capture, "KVMFR VMINFO");
  }
  if (u->has_osinfo) {
    lg_diag_set_str(d, LG_DIAG_GUEST, "guest.os", lg_kvmfr_os_name(u->osinfo.os), "KVMFR OSINFO");
    if (u->osinfo.name[0])
      lg_diag_set_str(d, LG_DIAG_GUEST, "guest.os.name", u->osinfo.name, "KVMFR OSINFO");
  }
  if (u->has_lgdiag) {
    add_lgdiag_facts(d, &u->lgdiag);
  } else if (u->lgdiag_error != LG_DIAG_RECORD_OK) {
    char title[200];
    snprintf(title, sizeof(title), "The guest's LGDIAG record was rejected (%s)",
             lg_diag_record_error_string(u->lgdiag_error));
    lg_diag_add_finding(d, "guest.lgdiag_invalid", LG_DIAG_INFO, title,
                        u->warning_count ? u->warnings[0] : "",
                        "Use a looking-glass-host built from the same release as this client.");
  }
}

/* Decodes the udata the LGMP header points at; a foreign udata gives a finding. */
static void add_udata_facts(struct lg_diag *d, const struct lgmp_inspect *insp)
{
  if (!insp->udata)
    return;
  struct lg_kvmfr_udata *u = calloc(1, sizeof(*u));
  if (!u) {
    LG_ERROR("diagnose: out of memory decoding the udata");
    return;
  }
  char msg[256] = "";
  enum lg_kvmfr_udata_error err =
      lg_kvmfr_udata_decode(insp->udata, insp->udata_size, u, msg, sizeof(msg));
  if (err == LG_KVMFR_UDATA_TOO_SMALL || err == LG_KVMFR_UDATA_BAD_MAGIC) {
    char title[320];
    snprintf(title, sizeof(title), "The LGMP host in the region is not a Looking Glass host (%s)",
             msg[0] ? msg : lg_kvmfr_udata_error_string(err));
    lg_diag_add_finding(d, "kvmfr.udata_invalid", LG_DIAG_ERROR, title,
                        "The LGMP header is valid but its user data is not a KVMFR header, so "
                        "another program owns this shared memory or the path is wrong.",
                        "Check that app:shmFile (-f) names the region QEMU gives the VM.");
    free(u);
    return;
  }
  diag_facts_udata(d, u, err == LG_KVMFR_UDATA_OK);
  free(u);
}

/* client.frame.* from the newest slot of the frame queue, when it holds a valid frame. */
static void add_frame_facts(struct lg_diag *d, const struct diag_region *r,
                            const struct lgmp_inspect *insp)
{
  int qi = lgmp_inspect_find_queue(insp, LGMP_Q_FRAME);
  if (qi < 0)
    return;
  const struct lgmp_inspect_queue *q = &insp->queues[qi];
  struct lgmp_header_message hm;
  if (!lgmp_inspect_message(r->mem, (size_t)r->size, q, lgmp_inspect_newest_index(q), &hm) ||
      hm.size == 0)
    return;
  struct lg_frame_view *v = calloc(1, sizeof(*v));
  if (!v)
    return;
  char msg[160];
  if (lg_frame_validate(r->mem, r->size, hm.offset, hm.size, v, msg, sizeof(msg)) == LG_FRAME_OK) {
    const char *src = "newest frame message";
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "client.frame.width", v->header.frame_width, src);
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "client.frame.height", v->header.frame_height, src);
    lg_diag_set_u64(d, LG_DIAG_CLIENT, "client.frame.bytes_per_pixel", v->bpp, src);
  } else {
    lg_diag_set_str(d, LG_DIAG_CLIENT, "client.frame.error", msg, "newest frame message");
  }
  free(v);
}

/* LGMP header facts (or a finding saying why there is no usable header), the heartbeat,
 * the udata and the newest frame. */
static void inspect_region(struct lg_diag *d, const struct diag_region *r, bool with_udata)
{
  struct lgmp_inspect *insp = calloc(1, sizeof(*insp));
  if (!insp) {
    LG_ERROR("diagnose: out of memory inspecting the region");
    return;
  }
  lgmp_inspect_region(r->mem, (size_t)r->size, insp);
  const char *src = "LGMP header";
  char title[256];
  switch (insp->error) {
  case LGMP_INSPECT_ZERO:
    lg_diag_add_finding(d, "lgmp.no_header", LG_DIAG_ERROR,
                        "No Looking Glass host has written the region yet",
                        "The LGMP header is all zero: looking-glass-host has never started in "
                        "the guest since the region was created, or the client and QEMU use "
                        "different regions.",
                        "Start looking-glass-host in the guest (on Windows, the \"Looking Glass "
                        "(host)\" service) and check that QEMU's mem-path matches -f.");
    free(insp);
    return;
  case LGMP_INSPECT_BAD_MAGIC:
    snprintf(title, sizeof(title), "The region does not hold an LGMP header (%s)", insp->message);
    lg_diag_add_finding(d, "lgmp.bad_magic", LG_DIAG_ERROR, title,
                        "Something other than looking-glass-host wrote this memory.",
                        "Check that app:shmFile (-f) names the region QEMU gives the VM.");
    free(insp);
    return;
  default:
    break;
  }
  lg_diag_set_u64(d, LG_DIAG_GUEST, "lgmp.version", insp->version, src);
  if (insp->error == LGMP_INSPECT_BAD_VERSION) {
    free(insp); /* the rules report the mismatch; the layout is unknown */
    return;
  }
  lg_diag_set_u64(d, LG_DIAG_GUEST, "lgmp.session_id", insp->session_id, src);
  lg_diag_set_u64(d, LG_DIAG_GUEST, "lgmp.queues", insp->num_queues, src);
  lg_diag_set_u64(d, LG_DIAG_GUEST, "lgmp.udata_size", insp->udata_size, src);
  sample_heartbeat(d, r);
  if (insp->error != LGMP_INSPECT_OK) {
    snprintf(title, sizeof(title), "The LGMP header in the region is corrupt (%s)", insp->message);
    lg_diag_add_finding(d, "lgmp.corrupt", LG_DIAG_ERROR, title,
                        "The client refuses a header whose queues or user data lie outside "
                        "the region.",
                        "Restart looking-glass-host in the guest; if it persists, check that "
                        "the VM and the client use the same region size.");
    free(insp);
    return;
  }
  if (with_udata)
    add_udata_facts(d, insp);
  add_frame_facts(d, r, insp);
  free(insp);
}

bool diag_facts_region(struct lg_diag *d, const char *full, bool with_udata)
{
  struct diag_region r;
  if (!region_open_ro(d, full, &r))
    return false;
  if (!r.is_kvmfr) {
    lg_diag_set_bool(d, LG_DIAG_CLIENT, "client.dmabuf", false, "region type");
    lg_diag_set_str(d, LG_DIAG_CLIENT, "client.dmabuf.reason",
                    "the region is not a /dev/kvmfr device", "region type");
  }
  inspect_region(d, &r, with_udata);
  region_close_ro(&r);
  return true;
}

bool diag_facts_client_cpu(struct lg_diag *d)
{
  struct lg_cpu_facts cpu;
  if (!lg_cpu_facts_read(&cpu))
    return false;
  lg_diag_add_cpu_facts(d, &cpu);
  return true;
}
