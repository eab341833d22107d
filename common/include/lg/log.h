/* Logging: level, monotonic timestamp, source file:line, message.
 * Thread-safe. Per-frame paths must use the rate-limited variants. */
#ifndef LG_LOG_H
#define LG_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

enum lg_log_level {
  LG_LOG_DEBUG = 0,
  LG_LOG_INFO,
  LG_LOG_WARN,
  LG_LOG_ERROR,
  LG_LOG_FATAL,
};

/* Writes one line at `level` from `file`:`line`, unless below the current level. */
void lg_log(enum lg_log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* va_list form of lg_log. */
void lg_logv(enum lg_log_level level, const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

/* Sets the minimum level that is written (default INFO). */
void lg_log_set_level(enum lg_log_level level);

/* Returns the current minimum level. */
enum lg_log_level lg_log_get_level(void);

/* Also appends every line to `path` (NULL closes it). Returns false if it cannot be opened. */
bool lg_log_set_file(const char *path);

/* Parses "debug", "info", "warn", "error" or "fatal"; returns false on anything else. */
bool lg_log_level_parse(const char *name, enum lg_log_level *out);

/* State for a rate-limited log site: at most one line per `interval_ms`, and the
 * next line says how many were suppressed. Zero-initialise, set interval_ms. */
struct lg_ratelimit {
  uint32_t interval_ms;
  uint32_t suppressed;
  uint64_t next_ns;
};

/* Returns true if a line may be written now at `rl`; counts it as suppressed otherwise. */
bool lg_ratelimit_allow(struct lg_ratelimit *rl, uint32_t *suppressed_out);

#define LG_DEBUG(...) lg_log(LG_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define LG_INFO(...)  lg_log(LG_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define LG_WARN(...)  lg_log(LG_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define LG_ERROR(...) lg_log(LG_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define LG_FATAL(...) lg_log(LG_LOG_FATAL, __FILE__, __LINE__, __VA_ARGS__)

/* Logs at `level` through the static rate limiter `interval_ms` of this call site. */
#define LG_LOG_RATELIMITED(level, interval_ms_, ...)                                        \
  do {                                                                                    \
    static struct lg_ratelimit lg_rl_ = {.interval_ms = (interval_ms_)};                  \
    uint32_t lg_sup_;                                                                     \
    if (lg_ratelimit_allow(&lg_rl_, &lg_sup_)) {                                          \
      if (lg_sup_)                                                                        \
        lg_log(level, __FILE__, __LINE__, "(%u similar lines suppressed)", lg_sup_);      \
      lg_log(level, __FILE__, __LINE__, __VA_ARGS__);                                     \
    }                                                                                     \
  } while (0)

#define LG_WARN_RL(...)  LG_LOG_RATELIMITED(LG_LOG_WARN, 1000, __VA_ARGS__)
#define LG_ERROR_RL(...) LG_LOG_RATELIMITED(LG_LOG_ERROR, 1000, __VA_ARGS__)

#endif
