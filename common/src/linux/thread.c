/* Threads, mutexes and events on pthreads. */
#include "lg/thread.h"

#include "lg/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct lg_thread {
  pthread_t handle;
  lg_thread_fn fn;
  void *opaque;
  int result;
  char name[16];
};

struct lg_mutex {
  pthread_mutex_t m;
};

struct lg_event {
  pthread_mutex_t m;
  pthread_cond_t c;
  bool auto_reset;
  bool signalled;
};

static void *thread_main(void *arg)
{
  struct lg_thread *t = arg;
  pthread_setname_np(pthread_self(), t->name);
  t->result = t->fn(t->opaque);
  return NULL;
}

struct lg_thread *lg_thread_create(const char *name, lg_thread_fn fn, void *opaque)
{
  struct lg_thread *t = calloc(1, sizeof(*t));
  if (!t)
    return NULL;
  t->fn = fn;
  t->opaque = opaque;
  snprintf(t->name, sizeof(t->name), "%s", name);
  int rc = pthread_create(&t->handle, NULL, thread_main, t);
  if (rc != 0) {
    LG_ERROR("cannot start thread %s: %s", name, strerror(rc));
    free(t);
    return NULL;
  }
  return t;
}

bool lg_thread_join(struct lg_thread *thread, int *result)
{
  if (!thread)
    return false;
  int rc = pthread_join(thread->handle, NULL);
  if (rc == 0 && result)
    *result = thread->result;
  free(thread);
  return rc == 0;
}

struct lg_mutex *lg_mutex_new(void)
{
  struct lg_mutex *m = malloc(sizeof(*m));
  if (m)
    pthread_mutex_init(&m->m, NULL);
  return m;
}

void lg_mutex_free(struct lg_mutex *mutex)
{
  if (!mutex)
    return;
  pthread_mutex_destroy(&mutex->m);
  free(mutex);
}

void lg_mutex_lock(struct lg_mutex *mutex) { pthread_mutex_lock(&mutex->m); }

void lg_mutex_unlock(struct lg_mutex *mutex) { pthread_mutex_unlock(&mutex->m); }

struct lg_event *lg_event_new(bool auto_reset)
{
  struct lg_event *e = calloc(1, sizeof(*e));
  if (!e)
    return NULL;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_mutex_init(&e->m, NULL);
  pthread_cond_init(&e->c, &attr);
  pthread_condattr_destroy(&attr);
  e->auto_reset = auto_reset;
  return e;
}

void lg_event_free(struct lg_event *event)
{
  if (!event)
    return;
  pthread_cond_destroy(&event->c);
  pthread_mutex_destroy(&event->m);
  free(event);
}

void lg_event_signal(struct lg_event *event)
{
  pthread_mutex_lock(&event->m);
  event->signalled = true;
  if (event->auto_reset)
    pthread_cond_signal(&event->c);
  else
    pthread_cond_broadcast(&event->c);
  pthread_mutex_unlock(&event->m);
}

void lg_event_reset(struct lg_event *event)
{
  pthread_mutex_lock(&event->m);
  event->signalled = false;
  pthread_mutex_unlock(&event->m);
}

bool lg_event_wait(struct lg_event *event, uint32_t timeout_ms)
{
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }

  pthread_mutex_lock(&event->m);
  while (!event->signalled) {
    int rc = timeout_ms == LG_WAIT_FOREVER
                 ? pthread_cond_wait(&event->c, &event->m)
                 : pthread_cond_timedwait(&event->c, &event->m, &deadline);
    if (rc == ETIMEDOUT)
      break;
  }
  bool got = event->signalled;
  if (got && event->auto_reset)
    event->signalled = false;
  pthread_mutex_unlock(&event->m);
  return got;
}
