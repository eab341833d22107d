/* Unit tests of the DMA-BUF path: the kvmfr fd cache (two slots keyed by frame address,
 * reuse, grow-only re-create, LRU eviction, page rounding, bounds) against a fake ioctl that
 * checks its arguments like the kernel does, and the copy/DMA-BUF decision with its reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dmabuf.h"

#define PAGE 4096u
#define REGION (64u * 1024u * 1024u)

/* what the fake device saw */
static struct {
  unsigned calls;
  unsigned long request;
  struct dmabuf_kvmfr_create last;
  bool fail;
} fake;

static int fake_ioctl(int fd, unsigned long request, void *arg)
{
  (void)fd;
  fake.calls++;
  fake.request = request;
  memcpy(&fake.last, arg, sizeof(fake.last));
  if (fake.fail || request != DMABUF_KVMFR_CREATE) {
    errno = fake.fail ? EIO : ENOTTY;
    return -1;
  }
  const struct dmabuf_kvmfr_create *c = arg;
  if (c->offset % PAGE || c->size % PAGE || c->size == 0 || c->offset + c->size < c->offset ||
      c->offset + c->size > REGION) {
    errno = EINVAL;
    return -1;
  }
  return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static bool fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static int setup(void **state)
{
  memset(&fake, 0, sizeof(fake));
  static struct dmabuf_cache c;
  dmabuf_cache_init(&c, 99, REGION, fake_ioctl, PAGE);
  *state = &c;
  return 0;
}

static int teardown(void **state)
{
  dmabuf_cache_free(*state);
  return 0;
}

static void test_abi(void **state)
{
  (void)state;
  assert_int_equal(sizeof(struct dmabuf_kvmfr_create), 24);
  assert_int_equal(offsetof(struct dmabuf_kvmfr_create, offset), 8);
  assert_int_equal(offsetof(struct dmabuf_kvmfr_create, size), 16);
  assert_int_equal(DMABUF_KVMFR_CREATE, 0x40187542ul);
}

static void test_round_page(void **state)
{
  (void)state;
  assert_int_equal(dmabuf_round_page(0, PAGE), 0);
  assert_int_equal(dmabuf_round_page(1, PAGE), PAGE);
  assert_int_equal(dmabuf_round_page(PAGE, PAGE), PAGE);
  assert_int_equal(dmabuf_round_page(PAGE + 1, PAGE), 2 * PAGE);
  assert_int_equal(dmabuf_round_page(1920u * 4u * 1080u, PAGE), 8294400u); /* 2025 pages */
  assert_true(dmabuf_round_page(UINT64_MAX - 5, PAGE) == UINT64_MAX);
  assert_true(dmabuf_round_page(100, 3000) == UINT64_MAX); /* not a power of two */
}

static void test_reuse_two_slots(void **state)
{
  struct dmabuf_cache *c = *state;
  const uint64_t fa = 0x300000, da = 0x302000, fb = 0x2180000, db = 0x2181000;
  const uint64_t len = 1920u * 4u * 1080u;
  uint32_t off = 77;
  int a = dmabuf_cache_get(c, fa, da, len, &off);
  assert_true(a >= 0);
  assert_int_equal(off, 0);
  assert_int_equal(fake.request, DMABUF_KVMFR_CREATE);
  assert_int_equal(fake.last.flags, DMABUF_KVMFR_FLAG_CLOEXEC);
  assert_int_equal(fake.last.offset, da);
  assert_int_equal(fake.last.size, 8294400u);
  for (unsigned i = 1; i < 7; ++i)
    assert_int_equal(fake.last.pad[i - 1], 0);
  int b = dmabuf_cache_get(c, fb, db, len, &off);
  assert_true(b >= 0 && b != a);
  assert_int_equal(fake.calls, 2);
  for (int i = 0; i < 10; ++i) {
    assert_int_equal(dmabuf_cache_get(c, fa, da, len, &off), a);
    assert_int_equal(dmabuf_cache_get(c, fb, db, len, &off), b);
  }
  assert_int_equal(fake.calls, 2);
  assert_int_equal(c->creates, 2);
}

static void test_grow_only(void **state)
{
  struct dmabuf_cache *c = *state;
  uint32_t off;
  int a = dmabuf_cache_get(c, 0x10000, 0x11000, 1280u * 4u * 720u, &off);
  assert_true(a >= 0);
  assert_int_equal(fake.last.size, 3686400u);
  /* smaller: the same fd */
  assert_int_equal(dmabuf_cache_get(c, 0x10000, 0x11000, 800u * 4u * 600u, &off), a);
  assert_int_equal(fake.calls, 1);
  /* larger: a new fd, the old one closed */
  int g = dmabuf_cache_get(c, 0x10000, 0x11000, 1920u * 4u * 1080u, &off);
  assert_true(g >= 0);
  assert_int_equal(fake.calls, 2);
  assert_int_equal(fake.last.size, 8294400u);
  if (g != a)
    assert_false(fd_open(a));
  /* smaller again: kept */
  assert_int_equal(dmabuf_cache_get(c, 0x10000, 0x11000, 1280u * 4u * 720u, &off), g);
  assert_int_equal(fake.calls, 2);
  assert_int_equal(c->slot[0].size + c->slot[1].size, 8294400u);
}

static void test_lru_eviction(void **state)
{
  struct dmabuf_cache *c = *state;
  uint32_t off;
  int a = dmabuf_cache_get(c, 0x100000, 0x101000, PAGE, &off);
  int b = dmabuf_cache_get(c, 0x200000, 0x201000, PAGE, &off);
  assert_int_equal(dmabuf_cache_get(c, 0x100000, 0x101000, PAGE, &off), a);
  int x = dmabuf_cache_get(c, 0x300000, 0x301000, PAGE, &off); /* evicts b */
  assert_true(x >= 0);
  assert_int_equal(fake.calls, 3);
  assert_int_equal(dmabuf_cache_get(c, 0x100000, 0x101000, PAGE, &off), a);
  assert_int_equal(fake.calls, 3);
  (void)b;
  dmabuf_cache_get(c, 0x200000, 0x201000, PAGE, &off); /* b again: evicts x */
  assert_int_equal(fake.calls, 4);
}

static void test_unaligned_and_bounds(void **state)
{
  struct dmabuf_cache *c = *state;
  uint32_t off = 0;
  /* data not page aligned: the fd starts at the page below, off says where */
  int a = dmabuf_cache_get(c, 0x500000, 0x501010, 100, &off);
  assert_true(a >= 0);
  assert_int_equal(off, 0x10);
  assert_int_equal(fake.last.offset, 0x501000);
  assert_int_equal(fake.last.size, PAGE);
  /* a frame crossing into the next page needs two */
  dmabuf_cache_get(c, 0x600000, 0x600ff0, 0x20, &off);
  assert_int_equal(fake.last.size, 2 * PAGE);
  unsigned calls = fake.calls;
  /* outside the region: refused without asking the device */
  assert_int_equal(dmabuf_cache_get(c, 0x700000, REGION - PAGE, 2 * PAGE, &off), -1);
  assert_int_equal(dmabuf_cache_get(c, 0x700000, REGION + PAGE, 1, &off), -1);
  assert_int_equal(dmabuf_cache_get(c, 0x700000, 0x701000, 0, &off), -1);
  assert_int_equal(dmabuf_cache_get(c, 0x700000, UINT64_MAX - 10, 20, &off), -1);
  assert_int_equal(fake.calls, calls);
  /* the device refuses: -1, and the next call asks again */
  fake.fail = true;
  assert_int_equal(dmabuf_cache_get(c, 0x800000, 0x801000, PAGE, &off), -1);
  fake.fail = false;
  assert_true(dmabuf_cache_get(c, 0x800000, 0x801000, PAGE, &off) >= 0);
  assert_int_equal(fake.calls, calls + 2);
}

static void test_free_closes(void **state)
{
  struct dmabuf_cache *c = *state;
  uint32_t off;
  int a = dmabuf_cache_get(c, 0x100000, 0x101000, PAGE, &off);
  int b = dmabuf_cache_get(c, 0x200000, 0x201000, PAGE, &off);
  assert_true(fd_open(a) && fd_open(b));
  dmabuf_cache_free(c);
  assert_false(fd_open(a));
  assert_false(fd_open(b));
}

static void test_reasons(void **state)
{
  (void)state;
  char r[DMABUF_REASON_MAX];
  assert_false(dmabuf_decide(false, true, "/dev/kvmfr0", true, NULL, r, sizeof(r)));
  assert_string_equal(r, "copy path: DMA-BUF disabled (app:allowDMA=no)");
  assert_false(dmabuf_decide(true, false, "/dev/shm/looking-glass", true, NULL, r, sizeof(r)));
  assert_string_equal(r, "copy path: /dev/shm files cannot be DMA-BUFs (use the kvmfr module)");
  assert_false(dmabuf_decide(true, false, "/tmp/x", true, NULL, r, sizeof(r)));
  assert_non_null(strstr(r, "/tmp/x is not a kvmfr device"));
  assert_false(dmabuf_decide(true, true, "/dev/kvmfr0", false,
                             "EGL lacks EGL_EXT_image_dma_buf_import", r, sizeof(r)));
  assert_string_equal(r, "copy path: DMA-BUF: EGL lacks EGL_EXT_image_dma_buf_import");
  assert_true(dmabuf_decide(true, true, "/dev/kvmfr0", true, NULL, r, sizeof(r)));
  assert_non_null(strstr(r, "DMA-BUF"));
  assert_non_null(strstr(r, "/dev/kvmfr0"));
}

static void test_path(void **state)
{
  (void)state;
  memset(&fake, 0, sizeof(fake));
  struct region reg;
  memset(&reg, 0, sizeof(reg));
  snprintf(reg.path, sizeof(reg.path), "/dev/kvmfr0");
  reg.fd = 99;
  reg.size = REGION;
  reg.is_kvmfr = true;
  struct dmabuf_path p;
  assert_true(dmabuf_path_setup(&p, true, &reg, true, NULL, fake_ioctl));
  struct session_frame f;
  memset(&f, 0, sizeof(f));
  static uint8_t dummy;
  f.data = &dummy;
  f.format.data_height = 1080;
  f.format.pitch = 7680;
  f.frame_pos = 0x300000;
  f.data_pos = 0x302000;
  uint32_t off;
  int fd = dmabuf_path_fd(&p, &f, &off);
  assert_true(fd >= 0);
  assert_int_equal(fake.last.size, 8294400u);
  assert_int_equal(fake.last.offset, 0x302000);
  dmabuf_path_result(&p, true);
  /* three failed imports in a row: copy path for good */
  dmabuf_path_result(&p, false);
  dmabuf_path_result(&p, false);
  assert_true(p.enabled);
  dmabuf_path_result(&p, false);
  assert_false(p.enabled);
  assert_non_null(strstr(p.reason, "copy path"));
  assert_false(fd_open(fd));
  assert_int_equal(dmabuf_path_fd(&p, &f, &off), -1);
  dmabuf_path_free(&p);

  reg.is_kvmfr = false;
  snprintf(reg.path, sizeof(reg.path), "/dev/shm/looking-glass");
  assert_false(dmabuf_path_setup(&p, true, &reg, true, NULL, fake_ioctl));
  assert_string_equal(p.reason,
                      "copy path: /dev/shm files cannot be DMA-BUFs (use the kvmfr module)");
  assert_int_equal(dmabuf_path_fd(&p, &f, &off), -1);
  dmabuf_path_free(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_abi),
      cmocka_unit_test(test_round_page),
      cmocka_unit_test_setup_teardown(test_reuse_two_slots, setup, teardown),
      cmocka_unit_test_setup_teardown(test_grow_only, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lru_eviction, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unaligned_and_bounds, setup, teardown),
      cmocka_unit_test_setup_teardown(test_free_closes, setup, teardown),
      cmocka_unit_test(test_reasons),
      cmocka_unit_test(test_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
