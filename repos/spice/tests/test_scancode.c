/* evdev -> PC AT set-1 table and the SPICE key encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lgspice/scancode.h"

#include <linux/input-event-codes.h>
#include <string.h>

static void test_known_keys(void **state)
{
  (void)state;
  assert_int_equal(spice_scancode_from_evdev(KEY_ESC), 0x01);
  assert_int_equal(spice_scancode_from_evdev(KEY_A), 0x1e);
  assert_int_equal(spice_scancode_from_evdev(KEY_Z), 0x2c);
  assert_int_equal(spice_scancode_from_evdev(KEY_ENTER), 0x1c);
  assert_int_equal(spice_scancode_from_evdev(KEY_LEFTSHIFT), 0x2a);
  assert_int_equal(spice_scancode_from_evdev(KEY_SPACE), 0x39);
  assert_int_equal(spice_scancode_from_evdev(KEY_F1), 0x3b);
  assert_int_equal(spice_scancode_from_evdev(KEY_F10), 0x44);
  assert_int_equal(spice_scancode_from_evdev(KEY_F11), 0x57);
  assert_int_equal(spice_scancode_from_evdev(KEY_F12), 0x58);
  assert_int_equal(spice_scancode_from_evdev(KEY_KPDOT), 0x53);
  assert_int_equal(spice_scancode_from_evdev(KEY_102ND), 0x56);
  assert_int_equal(spice_scancode_from_evdev(KEY_RIGHTCTRL), 0x11d);
  assert_int_equal(spice_scancode_from_evdev(KEY_RIGHTALT), 0x138);
  assert_int_equal(spice_scancode_from_evdev(KEY_KPENTER), 0x11c);
  assert_int_equal(spice_scancode_from_evdev(KEY_KPSLASH), 0x135);
  assert_int_equal(spice_scancode_from_evdev(KEY_UP), 0x148);
  assert_int_equal(spice_scancode_from_evdev(KEY_DOWN), 0x150);
  assert_int_equal(spice_scancode_from_evdev(KEY_LEFT), 0x14b);
  assert_int_equal(spice_scancode_from_evdev(KEY_RIGHT), 0x14d);
  assert_int_equal(spice_scancode_from_evdev(KEY_DELETE), 0x153);
  assert_int_equal(spice_scancode_from_evdev(KEY_LEFTMETA), 0x15b);
  assert_int_equal(spice_scancode_from_evdev(KEY_SYSRQ), 0x137);
}

static void test_unmapped(void **state)
{
  (void)state;
  assert_int_equal(spice_scancode_from_evdev(KEY_RESERVED), 0);
  assert_int_equal(spice_scancode_from_evdev(KEY_PAUSE), 0); /* E1 sequence: not sendable */
  assert_int_equal(spice_scancode_from_evdev(KEY_MAX), 0);
  assert_int_equal(spice_scancode_from_evdev(0xffffffffu), 0);
  assert_int_equal(spice_scancode_down(0), 0);
  assert_int_equal(spice_scancode_up(0), 0);
}

static void test_encoding(void **state)
{
  (void)state;
  assert_int_equal(spice_scancode_down(0x1e), 0x1e);
  assert_int_equal(spice_scancode_up(0x1e), 0x9e);
  assert_int_equal(spice_scancode_down(0x11d), 0x1de0);
  assert_int_equal(spice_scancode_up(0x11d), 0x9de0);
  assert_int_equal(spice_scancode_down(0x148), 0x48e0);
  assert_int_equal(spice_scancode_up(0x148), 0xc8e0);
}

/* Every mapped make code is unique, within 7 bits, and its break code is the
 * make code with bit 7 set in the right byte. */
static void test_table_properties(void **state)
{
  (void)state;
  static uint8_t seen[0x200];
  memset(seen, 0, sizeof(seen));
  unsigned mapped = 0;
  for (uint32_t code = 0; code <= KEY_MAX; ++code) {
    uint32_t make = spice_scancode_from_evdev(code);
    if (!make)
      continue;
    ++mapped;
    assert_true(make < 0x200);
    assert_true((make & 0x7f) != 0);
    assert_int_equal(make & 0x80, 0);
    assert_int_equal(seen[make], 0);
    seen[make] = 1;
    uint32_t down = spice_scancode_down(make), up = spice_scancode_up(make);
    if (make & 0x100) {
      assert_int_equal(down & 0xff, 0xe0);
      assert_int_equal(up, down | 0x8000);
    } else {
      assert_true(down < 0x80);
      assert_int_equal(up, down | 0x80);
    }
  }
  assert_true(mapped >= 83 + 40);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_keys),
      cmocka_unit_test(test_unmapped),
      cmocka_unit_test(test_encoding),
      cmocka_unit_test(test_table_properties),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
