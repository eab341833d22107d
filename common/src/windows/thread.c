/* Threads, mutexes and events on Win32. */
#include "lg/thread.h"

#include "lg/log.h"

#include <stdlib.h>
#include <windows.h>

struct lg_thread {
  HANDLE handle;
  lg_thread_fn fn;
  void *opaque;
  int result;
};

struct lg_mutex {
  CRITICAL_SECTION cs;
};

struct lg_event {
  HANDLE handle;
};

static DWORD WINAPI thread_main(LPVOID arg)
{
  struct lg_thread *t = arg;
  t->result = t->fn(t->opaque);
  return 0;
}

struct lg_thread *lg_thread_create(const char *name, lg_thread_fn fn, void *opaque)
{
  struct lg_thread *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->fn = fn;
  t->opaque = opaque;
  t->handle = CreateThread(NULL, 0, thread_main, t, 0, NULL);
  if (!t->handle) {
    LG_ERROR("cannot start thread %s: error %lu", name, (unsigned long)GetLastError());
    free(t);
    return NULL;
  }
  return t;
}

bool lg_thread_join(struct lg_thread *thread, int *result)
{
  if (!thread)
    return false;
  bool ok = WaitForSingleObject(thread->handle, INFINITE) == WAIT_OBJECT_0;
  CloseHandle(thread->handle);
  if (ok && result)
    *result = thread->result;
  free(thread);
  return ok;
}

struct lg_mutex *lg_mutex_new(void)
{
  struct lg_mutex *m = malloc(sizeof(*m));
  if (m)
    InitializeCriticalSection(&m->cs);
  return m;
}

void lg_mutex_free(struct lg_mutex *mutex)
{
  if (!mutex)
    return;
  DeleteCriticalSection(&mutex->cs);
  free(mutex);
}

void lg_mutex_lock(struct lg_mutex *mutex) { EnterCriticalSection(&mutex->cs); }

void lg_mutex_unlock(struct lg_mutex *mutex) { LeaveCriticalSection(&mutex->cs); }

struct lg_event *lg_event_new(bool auto_reset)
{
  struct lg_event *e = malloc(sizeof(*e));
  if (!e)
    return NULL;
  e->handle = CreateEvent(NULL, auto_reset ? FALSE : TRUE, FALSE, NULL);
  if (!e->handle) {
    free(e);
    return NULL;
  }
  return e;
}

void lg_event_free(struct lg_event *event)
{
  if (!event)
    return;
  CloseHandle(event->handle);
  free(event);
}

void lg_event_signal(struct lg_event *event) { SetEvent(event->handle); }

void lg_event_reset(struct lg_event *event) { ResetEvent(event->handle); }

bool lg_event_wait(struct lg_event *event, uint32_t timeout_ms)
{
  DWORD t = timeout_ms == LG_WAIT_FOREVER ? INFINITE : (DWORD)timeout_ms;
  return WaitForSingleObject(event->handle, t) == WAIT_OBJECT_0;
}
