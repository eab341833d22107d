/* lg-qmp SOCKET COMMAND: runs one QMP command (no arguments) on QEMU's QMP unix socket
 * and prints the reply line. Exit status 0 when a "return" reply arrived. */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int run(const char *path, const char *cmd)
{
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un u = {.sun_family = AF_UNIX};
  if (fd < 0 || strlen(path) >= sizeof(u.sun_path)) {
    fprintf(stderr, "lg-qmp: bad socket path\n");
    return 1;
  }
  memcpy(u.sun_path, path, strlen(path) + 1);
  if (connect(fd, (struct sockaddr *)&u, sizeof(u)) != 0) {
    perror("lg-qmp: connect");
    close(fd);
    return 1;
  }
  char msg[256];
  int n = snprintf(msg, sizeof(msg), "{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"%s\"}\n",
                   cmd);
  if (n < 0 || (size_t)n >= sizeof(msg) || write(fd, msg, (size_t)n) != n) {
    close(fd);
    return 1;
  }
  static char buf[65536];
  size_t got = 0;
  int lines = 0;
  /* greeting, the capabilities reply, then the answer: one line each */
  while (lines < 3 && got < sizeof(buf) - 1) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 3000) <= 0)
      break;
    ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
    if (r <= 0)
      break;
    for (ssize_t i = 0; i < r; ++i)
      lines += buf[got + (size_t)i] == '\n';
    got += (size_t)r;
  }
  buf[got] = '\0';
  close(fd);
  if (lines < 3) {
    fprintf(stderr, "lg-qmp: short reply: %s\n", buf);
    return 1;
  }
  char *last = buf;
  for (int i = 0; i < 2; ++i)
    last = strchr(last, '\n') + 1;
  fputs(last, stdout);
  return strstr(last, "\"return\"") ? 0 : 1;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: lg-qmp SOCKET COMMAND\n");
    return 2;
  }
  return run(argv[1], argv[2]);
}
