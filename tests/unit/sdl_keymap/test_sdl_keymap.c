/* The SDL scancode -> evdev table: every key a PC keyboard has must reach the guest as the
 * evdev code of the same key position. Expected values are derived independently of the
 * table (keyboard rows, numeric ranges) where the codes allow it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "sdl_keymap.h"

#include <SDL_scancode.h>
#include <linux/input-event-codes.h>

#include <string.h>

/* evdev numbers the letter keys row by row as they sit on a QWERTY keyboard */
static uint32_t letter_evdev(char c)
{
  static const char *const rows[3] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
  static const uint32_t first[3] = {KEY_Q, KEY_A, KEY_Z};
  for (int r = 0; r < 3; ++r) {
    const char *p = strchr(rows[r], c);
    if (p)
      return first[r] + (uint32_t)(p - rows[r]);
  }
  return 0;
}

static void test_letters(void **state)
{
  (void)state;
  for (int i = 0; i < 26; ++i) {
    const char c = (char)('a' + i);
    const uint32_t want = letter_evdev(c);
    assert_int_not_equal(want, 0);
    /* SDL's letters are the HID usages 4..29, alphabetical */
    assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_A + i), want);
  }
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_A), 30);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_Z), 44);
}

static void test_digits(void **state)
{
  (void)state;
  /* 1..9 then 0 on both sides */
  for (int i = 0; i < 10; ++i)
    assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_1 + i), (uint32_t)KEY_1 + (uint32_t)i);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_0), 11);
  const int kp[10] = {SDL_SCANCODE_KP_0, SDL_SCANCODE_KP_1, SDL_SCANCODE_KP_2, SDL_SCANCODE_KP_3,
                      SDL_SCANCODE_KP_4, SDL_SCANCODE_KP_5, SDL_SCANCODE_KP_6, SDL_SCANCODE_KP_7,
                      SDL_SCANCODE_KP_8, SDL_SCANCODE_KP_9};
  const uint32_t kp_evdev[10] = {KEY_KP0, KEY_KP1, KEY_KP2, KEY_KP3, KEY_KP4,
                                 KEY_KP5, KEY_KP6, KEY_KP7, KEY_KP8, KEY_KP9};
  for (int i = 0; i < 10; ++i)
    assert_int_equal(lg_sdl_scancode_to_evdev(kp[i]), kp_evdev[i]);
}

static void test_function_keys(void **state)
{
  (void)state;
  /* F1..F10 are 59..68, F11/F12 87/88, F13..F24 183..194 */
  for (int i = 0; i < 12; ++i) {
    const uint32_t want = i < 10 ? 59u + (uint32_t)i : 87u + (uint32_t)(i - 10);
    assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_F1 + i), want);
  }
  for (int i = 0; i < 12; ++i)
    assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_F13 + i), 183u + (uint32_t)i);
}

static void test_modifiers(void **state)
{
  (void)state;
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_LCTRL), KEY_LEFTCTRL);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_LSHIFT), KEY_LEFTSHIFT);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_LALT), KEY_LEFTALT);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_LGUI), KEY_LEFTMETA);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_RCTRL), KEY_RIGHTCTRL);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_RSHIFT), KEY_RIGHTSHIFT);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_RALT), KEY_RIGHTALT);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_RGUI), KEY_RIGHTMETA);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_CAPSLOCK), KEY_CAPSLOCK);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_NUMLOCKCLEAR), KEY_NUMLOCK);
  /* the literal numbers, in case a header ever disagrees */
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_LCTRL), 29);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_RALT), 100);
}

static void test_navigation_and_editing(void **state)
{
  (void)state;
  static const struct {
    int sdl;
    uint32_t evdev;
  } cases[] = {
      {SDL_SCANCODE_UP, 103},
      {SDL_SCANCODE_LEFT, 105},
      {SDL_SCANCODE_RIGHT, 106},
      {SDL_SCANCODE_DOWN, 108},
      {SDL_SCANCODE_HOME, 102},
      {SDL_SCANCODE_END, 107},
      {SDL_SCANCODE_PAGEUP, 104},
      {SDL_SCANCODE_PAGEDOWN, 109},
      {SDL_SCANCODE_INSERT, 110},
      {SDL_SCANCODE_DELETE, 111},
      {SDL_SCANCODE_SCROLLLOCK, 70},
      {SDL_SCANCODE_PAUSE, 119},
      {SDL_SCANCODE_PRINTSCREEN, 99},
      {SDL_SCANCODE_ESCAPE, 1},
      {SDL_SCANCODE_RETURN, 28},
      {SDL_SCANCODE_SPACE, 57},
      {SDL_SCANCODE_TAB, 15},
      {SDL_SCANCODE_BACKSPACE, 14},
      {SDL_SCANCODE_KP_ENTER, 96},
      {SDL_SCANCODE_GRAVE, 41},
      {SDL_SCANCODE_MINUS, 12},
      {SDL_SCANCODE_EQUALS, 13},
      {SDL_SCANCODE_SEMICOLON, 39},
      {SDL_SCANCODE_APOSTROPHE, 40},
      {SDL_SCANCODE_COMMA, 51},
      {SDL_SCANCODE_PERIOD, 52},
      {SDL_SCANCODE_SLASH, 53},
      {SDL_SCANCODE_BACKSLASH, 43},
      {SDL_SCANCODE_NONUSBACKSLASH, 86},
      {SDL_SCANCODE_APPLICATION, 127},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    if (lg_sdl_scancode_to_evdev(cases[i].sdl) != cases[i].evdev)
      fail_msg("scancode %d: got %u want %u", cases[i].sdl, lg_sdl_scancode_to_evdev(cases[i].sdl),
               cases[i].evdev);
  }
}

/* The keys of a 105-key PC keyboard map to distinct codes (no two keys collide). */
static void test_no_collisions(void **state)
{
  (void)state;
  uint8_t seen[KEY_MAX + 1];
  memset(seen, 0, sizeof(seen));
  uint32_t mapped = 0;
  for (int sc = 0; sc < SDL_NUM_SCANCODES; ++sc) {
    const uint32_t e = lg_sdl_scancode_to_evdev(sc);
    assert_true(e <= KEY_MAX);
    if (!e)
      continue;
    mapped++;
    /* a few aliases are on purpose: two HID usages for one physical key */
    if (sc == SDL_SCANCODE_NONUSHASH || sc == SDL_SCANCODE_SYSREQ || sc == SDL_SCANCODE_AUDIOMUTE ||
        sc == SDL_SCANCODE_AC_STOP)
      continue;
    if (seen[e])
      fail_msg("evdev %u reached from two scancodes (second: %d)", e, sc);
    seen[e] = 1;
  }
  assert_true(mapped >= 105);
}

static void test_unmapped_and_out_of_range(void **state)
{
  (void)state;
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_SCANCODE_UNKNOWN), 0);
  assert_int_equal(lg_sdl_scancode_to_evdev(1), 0); /* HID "error rollover" */
  assert_int_equal(lg_sdl_scancode_to_evdev(-1), 0);
  assert_int_equal(lg_sdl_scancode_to_evdev(SDL_NUM_SCANCODES), 0);
  assert_int_equal(lg_sdl_scancode_to_evdev(1 << 30), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_letters),
      cmocka_unit_test(test_digits),
      cmocka_unit_test(test_function_keys),
      cmocka_unit_test(test_modifiers),
      cmocka_unit_test(test_navigation_and_editing),
      cmocka_unit_test(test_no_collisions),
      cmocka_unit_test(test_unmapped_and_out_of_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
