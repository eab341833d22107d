/* Socket connect and the SPICE link handshake (runs on the worker thread). */
#include "spice_internal.h"

#include "lg/log.h"
#include "lgspice/ticket.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(SpiceLinkHeader) == SPICE_LINK_HEADER_SIZE, "link header size");
_Static_assert(sizeof(SpiceLinkMess) == SPICE_LINK_MESS_SIZE, "link mess size");
_Static_assert(sizeof(SpiceLinkReply) == SPICE_LINK_REPLY_SIZE, "link reply size");
_Static_assert(SPICE_TICKET_PUBKEY_BYTES == SPICE_LINK_PUBKEY_SIZE, "pubkey size");
_Static_assert(sizeof(SpiceLinkEncryptedTicket) == SPICE_TICKET_SIZE, "ticket size");

static const uint8_t spice_magic[4] = {'R', 'E', 'D', 'Q'};

size_t spice_link_build(uint8_t *out, size_t cap, uint32_t connection_id, uint8_t type, uint8_t id,
                        uint32_t common_caps, uint32_t channel_caps)
{
  const uint32_t ncommon = 1, nchannel = channel_caps ? 1 : 0;
  const size_t body = SPICE_LINK_MESS_SIZE + 4 * (ncommon + nchannel);
  if (cap < SPICE_LINK_HEADER_SIZE + body)
    return 0;
  uint8_t *p = out;
  memcpy(p, spice_magic, 4);
  spice_put_u32(p + 4, SPICE_VERSION_MAJOR);
  spice_put_u32(p + 8, SPICE_VERSION_MINOR);
  spice_put_u32(p + 12, (uint32_t)body);
  p += SPICE_LINK_HEADER_SIZE;
  spice_put_u32(p, connection_id);
  p[4] = type;
  p[5] = id;
  spice_put_u32(p + 6, ncommon);
  spice_put_u32(p + 10, nchannel);
  spice_put_u32(p + 14, SPICE_LINK_MESS_SIZE); /* caps follow the struct */
  p += SPICE_LINK_MESS_SIZE;
  spice_put_u32(p, common_caps);
  if (nchannel)
    spice_put_u32(p + 4, channel_caps);
  return SPICE_LINK_HEADER_SIZE + body;
}

enum spice_error spice_link_parse_header(const uint8_t *hdr, size_t len, uint32_t *size)
{
  if (len < SPICE_LINK_HEADER_SIZE || memcmp(hdr, spice_magic, 4) != 0) {
    LG_ERROR("spice: bad link magic: not a SPICE server");
    return SPICE_ERR_PROTOCOL;
  }
  uint32_t major = spice_get_u32(hdr + 4);
  if (major != SPICE_VERSION_MAJOR) {
    LG_ERROR("spice: server speaks protocol %u.%u, we need %u.x", major, spice_get_u32(hdr + 8),
             SPICE_VERSION_MAJOR);
    return SPICE_ERR_VERSION;
  }
  uint32_t n = spice_get_u32(hdr + 12);
  if (n < 4 || n > SPICE_LINK_REPLY_MAX) {
    LG_ERROR("spice: bad link reply size %u", n);
    return SPICE_ERR_PROTOCOL;
  }
  *size = n;
  return SPICE_OK;
}

enum spice_error spice_link_error_map(uint32_t code)
{
  switch (code) {
  case SPICE_LINK_ERR_OK:
    return SPICE_OK;
  case SPICE_LINK_ERR_INVALID_MAGIC:
  case SPICE_LINK_ERR_INVALID_DATA:
    return SPICE_ERR_PROTOCOL;
  case SPICE_LINK_ERR_VERSION_MISMATCH:
    return SPICE_ERR_VERSION;
  case SPICE_LINK_ERR_PERMISSION_DENIED:
    return SPICE_ERR_PERMISSION_DENIED;
  default:
    return SPICE_ERR_LINK;
  }
}

enum spice_error spice_link_parse_reply(const uint8_t *body, size_t len,
                                        struct spice_link_reply *out)
{
  memset(out, 0, sizeof(*out));
  if (len < 4)
    return SPICE_ERR_PROTOCOL;
  out->error = spice_get_u32(body);
  if (out->error != SPICE_LINK_ERR_OK) {
    LG_ERROR("spice: link refused by the server, error %u", out->error);
    return spice_link_error_map(out->error);
  }
  if (len < SPICE_LINK_REPLY_SIZE) {
    LG_ERROR("spice: link reply too short (%zu bytes)", len);
    return SPICE_ERR_PROTOCOL;
  }
  memcpy(out->pubkey, body + 4, SPICE_LINK_PUBKEY_SIZE);
  const uint8_t *p = body + 4 + SPICE_LINK_PUBKEY_SIZE;
  uint64_t ncommon = spice_get_u32(p), nchannel = spice_get_u32(p + 4);
  uint64_t off = spice_get_u32(p + 8);
  if (ncommon > 1024 || nchannel > 1024 || off > len || (ncommon + nchannel) * 4 > len - off) {
    LG_ERROR("spice: link reply capabilities out of bounds");
    return SPICE_ERR_PROTOCOL;
  }
  if (ncommon)
    out->common_caps = spice_get_u32(body + off);
  if (nchannel)
    out->channel_caps = spice_get_u32(body + off + 4 * ncommon);
  return SPICE_OK;
}

/* ---- blocking-with-deadline I/O on a non-blocking socket (worker thread only) ---- */

static int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum spice_error wait_fd(int fd, short events, int64_t deadline)
{
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return SPICE_ERR_TIMEOUT;
    struct pollfd pfd = {.fd = fd, .events = events};
    int r = poll(&pfd, 1, (int)left);
    if (r > 0)
      return SPICE_OK;
    if (r < 0 && errno != EINTR)
      return SPICE_ERR_CONNECT;
  }
}

static enum spice_error io_all(int fd, void *buf, size_t len, bool writing, int64_t deadline)
{
  uint8_t *p = buf;
  while (len) {
    ssize_t n = writing ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
      continue;
    }
    if (n == 0)
      return SPICE_ERR_DISCONNECTED;
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      return errno == ECONNRESET || errno == EPIPE ? SPICE_ERR_DISCONNECTED : SPICE_ERR_CONNECT;
    enum spice_error e = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
    if (e != SPICE_OK)
      return e;
  }
  return SPICE_OK;
}

static int connect_addr(const struct sockaddr *sa, socklen_t salen, int family, int64_t deadline,
                        enum spice_error *err)
{
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err = SPICE_ERR_CONNECT;
    return -1;
  }
  if (connect(fd, sa, salen) == 0)
    return fd;
  int e = errno;
  *err = SPICE_ERR_CONNECT;
  if (e == EINPROGRESS) {
    enum spice_error w = wait_fd(fd, POLLOUT, deadline);
    if (w != SPICE_OK) {
      *err = w;
      close(fd);
      return -1;
    }
    socklen_t l = sizeof(e);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) == 0 && e == 0)
      return fd;
  }
  if (e == ECONNREFUSED || e == ENOENT)
    *err = SPICE_ERR_CONNECT_REFUSED;
  close(fd);
  return -1;
}

int spice_sock_connect(const char *host, uint16_t port, const char *unix_path, uint32_t timeout_ms,
                       enum spice_error *err)
{
  int64_t deadline = now_ms() + timeout_ms;
  *err = SPICE_OK;
  if (unix_path) {
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(unix_path) >= sizeof(sun.sun_path)) {
      *err = SPICE_ERR_INVALID;
      return -1;
    }
    strcpy(sun.sun_path, unix_path);
    int fd = connect_addr((struct sockaddr *)&sun, sizeof(sun), AF_UNIX, deadline, err);
    if (fd < 0)
      LG_ERROR("spice: cannot connect to %s: %s", unix_path, spice_error_str(*err));
    return fd;
  }

  char portstr[8];
  snprintf(portstr, sizeof(portstr), "%u", port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
  int r = getaddrinfo(host ? host : "127.0.0.1", portstr, &hints, &res);
  if (r != 0) {
    LG_ERROR("spice: cannot resolve %s: %s", host, gai_strerror(r));
    *err = SPICE_ERR_CONNECT;
    return -1;
  }
  int fd = -1;
  for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
    fd = connect_addr(ai->ai_addr, ai->ai_addrlen, ai->ai_family, deadline, err);
  freeaddrinfo(res);
  if (fd < 0) {
    LG_DEBUG("spice: cannot connect to %s:%u: %s", host, port, spice_error_str(*err));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

enum spice_error spice_link_handshake(int fd, uint32_t connection_id, uint8_t type, uint8_t id,
                                      uint32_t channel_caps, const char *password,
                                      uint32_t timeout_ms, bool *mini, uint32_t *remote_caps)
{
  const int64_t deadline = now_ms() + timeout_ms;
  const uint32_t common = (1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) |
                          (1u << SPICE_COMMON_CAP_AUTH_SPICE) |
                          (1u << SPICE_COMMON_CAP_MINI_HEADER);
  uint8_t msg[64];
  size_t n = spice_link_build(msg, sizeof(msg), connection_id, type, id, common, channel_caps);
  enum spice_error e = io_all(fd, msg, n, true, deadline);
  if (e != SPICE_OK)
    return e;

  uint8_t hdr[SPICE_LINK_HEADER_SIZE];
  uint32_t size = 0;
  if ((e = io_all(fd, hdr, sizeof(hdr), false, deadline)) != SPICE_OK) {
    if (e == SPICE_ERR_DISCONNECTED)
      LG_ERROR("spice: server closed the connection during the link: not a SPICE server?");
    return e == SPICE_ERR_DISCONNECTED ? SPICE_ERR_PROTOCOL : e;
  }
  if ((e = spice_link_parse_header(hdr, sizeof(hdr), &size)) != SPICE_OK)
    return e;
  uint8_t body[SPICE_LINK_REPLY_MAX];
  if ((e = io_all(fd, body, size, false, deadline)) != SPICE_OK)
    return e;
  struct spice_link_reply reply;
  if ((e = spice_link_parse_reply(body, size, &reply)) != SPICE_OK)
    return e;

  if (reply.common_caps & (1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION)) {
    if (!(reply.common_caps & (1u << SPICE_COMMON_CAP_AUTH_SPICE))) {
      LG_ERROR("spice: the server does not offer SPICE ticket authentication (SASL only?)");
      return SPICE_ERR_LINK;
    }
    uint8_t mech[4];
    spice_put_u32(mech, SPICE_COMMON_CAP_AUTH_SPICE);
    if ((e = io_all(fd, mech, sizeof(mech), true, deadline)) != SPICE_OK)
      return e;
  }

  uint8_t ticket[SPICE_TICKET_SIZE];
  if (!spice_ticket_encrypt(reply.pubkey, sizeof(reply.pubkey), password, ticket, sizeof(ticket)))
    return SPICE_ERR_PROTOCOL;
  if ((e = io_all(fd, ticket, sizeof(ticket), true, deadline)) != SPICE_OK)
    return e;

  uint8_t result[4];
  if ((e = io_all(fd, result, sizeof(result), false, deadline)) != SPICE_OK)
    return e;
  uint32_t code = spice_get_u32(result);
  if (code != SPICE_LINK_ERR_OK) {
    e = spice_link_error_map(code);
    if (e == SPICE_ERR_PERMISSION_DENIED)
      LG_DEBUG("spice: permission denied: wrong password");
    else
      LG_DEBUG("spice: link failed with server error %u", code);
    return e;
  }
  *mini = (reply.common_caps & (1u << SPICE_COMMON_CAP_MINI_HEADER)) != 0;
  *remote_caps = reply.channel_caps;
  return SPICE_OK;
}
