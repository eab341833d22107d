/* looking-glass-client entry point (placeholder until the options module lands). */
#include "lg/log.h"

int main(int argc, char **argv)
{
  LG_INFO("looking-glass-client: not built yet");
  return 0;
}
