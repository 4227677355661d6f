/* Compiled as C: the public header is valid C, not only C++. */
#include "gridsync/gridsync.h"

int gs_c_header_check(void) {
  gs_options o;
  gs_error err;
  gs_client* c = 0;
  gs_options_init(&o);
  /* No data dir: an error with a message, and no handle. */
  return gs_open(&o, &c, &err) == GS_INVALID_ARGUMENT && c == 0 && err.message[0] != '\0';
}
