/* Compiled as C: the public header is valid C, not only C++. */
#include "gridsync/gridsync.h"

int gs_c_header_check(void) {
  gs_options o;
  gs_error err;
  gs_client* c = 0;
  gs_day* d = 0;
  gs_coverage cov;
  gs_options_init(&o);
  /* No data dir: an error with a message, and no handle. */
  return gs_open(&o, &c, &err) == GS_INVALID_ARGUMENT && c == 0 && err.message[0] != '\0' &&
         /* No client: the day's calls refuse too, and a NULL answer reads as empty. */
         gs_get_coverage(c, "410185001201001", 0, &d, &err) == GS_INVALID_ARGUMENT && d == 0 &&
         gs_day_count(d) == 0 && gs_day_coverage(d, &cov, 0) == GS_INVALID_ARGUMENT;
}
