/* Writes a region file the way our looking-glass-host does: an LGMP v6 header made by
 * lgmp_host_init with KVMFR v20 udata (VMINFO, OSINFO and an LGDIAG record) and the frame
 * and pointer queues. Options:
 *   --no-lgdiag     leave the LGDIAG record out
 *   --zero          only create the zero-filled file (no host ever wrote it)
 *   --tick SECONDS  fork a child that keeps the heartbeat going for SECONDS; prints its pid
 * Usage: diagnose_mkregion PATH SIZE_MIB [options] */
#include "lg/kvmfr.h"
#include "lg/kvmfr_udata.h"
#include "lgmp/host.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what)
{
  perror(what);
  return 1;
}

static bool build_udata(bool lgdiag, uint8_t *buf, size_t cap, size_t *len)
{
  struct lg_kvmfr_udata *u = calloc(1, sizeof(*u));
  if (!u)
    return false;
  snprintf(u->hostver, sizeof(u->hostver), "diagnose-test");
  u->features = KVMFR_FEATURE_SETCURSORPOS;
  u->has_vminfo = true;
  u->vminfo.cpus = 8;
  u->vminfo.cores = 4;
  u->vminfo.sockets = 1;
  snprintf(u->vminfo.capture, sizeof(u->vminfo.capture), "test");
  snprintf(u->vminfo.model, sizeof(u->vminfo.model), "Test CPU @ 3.00GHz");
  u->has_osinfo = true;
  u->osinfo.os = KVMFR_OS_WINDOWS;
  snprintf(u->osinfo.name, sizeof(u->osinfo.name), "Windows 10 Pro");
  u->has_lgdiag = lgdiag;
  u->lgdiag.valid = LGDIAG_VALID_BAR_ADDR | LGDIAG_VALID_BAR_SIZE | LGDIAG_VALID_PHYS_BITS;
  u->lgdiag.bar_addr = UINT64_C(0x382000000000);
  u->lgdiag.bar_size = UINT64_C(32) << 20;
  u->lgdiag.phys_bits = 46;
  u->lgdiag.virt_bits = 48;
  bool ok = lg_kvmfr_udata_encode(u, buf, cap, len) == LG_KVMFR_UDATA_OK;
  free(u);
  return ok;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: %s PATH SIZE_MIB [--no-lgdiag] [--zero] [--tick SECONDS]\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  unsigned long mib = strtoul(argv[2], NULL, 10);
  bool lgdiag = true, zero = false;
  unsigned long tick_s = 0;
  for (int i = 3; i < argc; ++i) {
    if (strcmp(argv[i], "--no-lgdiag") == 0)
      lgdiag = false;
    else if (strcmp(argv[i], "--zero") == 0)
      zero = true;
    else if (strcmp(argv[i], "--tick") == 0 && i + 1 < argc)
      tick_s = strtoul(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (mib == 0 || mib > 1024)
    return 2;
  size_t size = (size_t)mib << 20;
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(path);
  if (ftruncate(fd, (off_t)size) != 0)
    return fail("ftruncate");
  if (zero) {
    close(fd);
    return 0;
  }
  void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (mem == MAP_FAILED)
    return fail("mmap");

  uint8_t udata[1024];
  size_t ulen = 0;
  if (!build_udata(lgdiag, udata, sizeof(udata), &ulen)) {
    fprintf(stderr, "udata encode failed\n");
    return 1;
  }
  struct lgmp_host *host = NULL;
  enum lgmp_status st = lgmp_host_init(mem, (uint32_t)size, udata, (uint32_t)ulen, &host);
  if (st != LGMP_OK) {
    fprintf(stderr, "lgmp_host_init: %s\n", lgmp_status_string(st));
    return 1;
  }
  struct lgmp_host_queue *qp = NULL, *qf = NULL;
  struct lgmp_queue_config cp = {LGMP_Q_POINTER, LGMP_Q_POINTER_LEN, LG_SUB_TIMEOUT_MS};
  struct lgmp_queue_config cf = {LGMP_Q_FRAME, LGMP_Q_FRAME_LEN, LG_SUB_TIMEOUT_MS};
  if (lgmp_host_queue_new(host, cp, &qp) != LGMP_OK ||
      lgmp_host_queue_new(host, cf, &qf) != LGMP_OK) {
    fprintf(stderr, "lgmp_host_queue_new failed\n");
    return 1;
  }
  if (lgmp_host_process(host, NULL, NULL) != LGMP_OK)
    return 1;

  if (tick_s) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
      return fail("fork");
    if (pid > 0) {
      printf("%d\n", (int)pid);
      lgmp_host_free(&host); /* the child has its own copy and mapping */
      munmap(mem, size);
      return 0;
    }
    /* Child: the 10 ms host tick. Let go of stdout/stderr so a $(...) caller returns. */
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) {
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
      close(null_fd);
    }
    for (unsigned long i = 0; i < tick_s * 100; ++i) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
      if (lgmp_host_process(host, NULL, NULL) != LGMP_OK)
        break;
    }
    lgmp_host_free(&host);
    munmap(mem, size);
    _exit(0);
  }
  lgmp_host_free(&host);
  munmap(mem, size);
  return 0;
}
