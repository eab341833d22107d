/* Threads, mutexes and events (Linux: pthreads; Windows: Win32). */
#ifndef LG_THREAD_H
#define LG_THREAD_H

#include <stdbool.h>
#include <stdint.h>

struct lg_thread;
struct lg_mutex;
struct lg_event;

typedef int (*lg_thread_fn)(void *opaque);

/* Starts `fn(opaque)` on a new thread named `name`; NULL on failure (logged). */
struct lg_thread *lg_thread_create(const char *name, lg_thread_fn fn, void *opaque);

/* Waits for the thread to end, frees it, and stores its return value in `result` if non-NULL. */
bool lg_thread_join(struct lg_thread *thread, int *result);

/* Creates a mutex; NULL on failure. */
struct lg_mutex *lg_mutex_new(void);

/* Frees a mutex (NULL is ignored). */
void lg_mutex_free(struct lg_mutex *mutex);

/* Locks the mutex. */
void lg_mutex_lock(struct lg_mutex *mutex);

/* Unlocks the mutex. */
void lg_mutex_unlock(struct lg_mutex *mutex);

/* Timeout meaning "wait forever" for lg_event_wait. */
#define LG_WAIT_FOREVER UINT32_MAX

/* Creates an event, initially unsignalled. An auto-reset event wakes one waiter and clears
 * itself; a manual one stays signalled until lg_event_reset. NULL on failure. */
struct lg_event *lg_event_new(bool auto_reset);

/* Frees an event (NULL is ignored). */
void lg_event_free(struct lg_event *event);

/* Signals the event. */
void lg_event_signal(struct lg_event *event);

/* Clears the event. */
void lg_event_reset(struct lg_event *event);

/* Waits up to `timeout_ms` for the event; true if it was signalled, false on timeout. */
bool lg_event_wait(struct lg_event *event, uint32_t timeout_ms);

#endif
