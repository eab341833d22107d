/* Logging backend: one line per call, "L  seconds  file:line | message". */
#include "lg/log.h"

#include "lg/time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Module state: the level and the optional log file. Only this file touches it. */
static atomic_int g_level = LG_LOG_INFO;
static FILE *g_file;
static atomic_flag g_file_lock = ATOMIC_FLAG_INIT;
static uint64_t g_epoch_ns;

static const char level_chars[] = {'D', 'I', 'W', 'E', 'F'};

static const char *base_name(const char *path)
{
  const char *s = strrchr(path, '/');
  const char *b = strrchr(path, '\\');
  if (b && (!s || b > s))
    s = b;
  return s ? s + 1 : path;
}

void lg_log_set_level(enum lg_log_level level) { atomic_store(&g_level, (int)level); }

enum lg_log_level lg_log_get_level(void) { return (enum lg_log_level)atomic_load(&g_level); }

bool lg_log_level_parse(const char *name, enum lg_log_level *out)
{
  static const char *const names[] = {"debug", "info", "warn", "error", "fatal"};
  for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); ++i)
    if (strcasecmp(name, names[i]) == 0) {
      *out = (enum lg_log_level)i;
      return true;
    }
  return false;
}

static void file_lock(void)
{
  while (atomic_flag_test_and_set_explicit(&g_file_lock, memory_order_acquire))
    ;
}

static void file_unlock(void) { atomic_flag_clear_explicit(&g_file_lock, memory_order_release); }

bool lg_log_set_file(const char *path)
{
  FILE *f = NULL;
  if (path) {
    f = fopen(path, "a");
    if (!f)
      return false;
    setvbuf(f, NULL, _IOLBF, 0);
  }
  file_lock();
  FILE *old = g_file;
  g_file = f;
  file_unlock();
  if (old)
    fclose(old);
  return true;
}

void lg_logv(enum lg_log_level level, const char *file, int line, const char *fmt, va_list ap)
{
  if ((int)level < atomic_load(&g_level))
    return;
  if ((unsigned)level > LG_LOG_FATAL)
    level = LG_LOG_FATAL;

  uint64_t now = lg_time_ns();
  if (!g_epoch_ns)
    g_epoch_ns = now;
  uint64_t rel = now - g_epoch_ns;

  char msg[1024];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  char out[1200];
  int n = snprintf(out, sizeof(out), "[%c] %5llu.%06llu %s:%d | %s\n", level_chars[level],
                   (unsigned long long)(rel / 1000000000ull),
                   (unsigned long long)(rel % 1000000000ull / 1000ull), base_name(file), line,
                   msg);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof(out))
    n = sizeof(out) - 1;

  file_lock();
  fwrite(out, 1, (size_t)n, stderr);
  if (g_file)
    fwrite(out, 1, (size_t)n, g_file);
  file_unlock();
}

void lg_log(enum lg_log_level level, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  lg_logv(level, file, line, fmt, ap);
  va_end(ap);
}

bool lg_ratelimit_allow(struct lg_ratelimit *rl, uint32_t *suppressed_out)
{
  uint64_t now = lg_time_ns();
  if (now >= rl->next_ns) {
    rl->next_ns = now + (uint64_t)rl->interval_ms * 1000000ull;
    *suppressed_out = rl->suppressed;
    rl->suppressed = 0;
    return true;
  }
  rl->suppressed++;
  *suppressed_out = 0;
  return false;
}
