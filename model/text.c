/*
 * text.c - see text.h.
 */
#include "text.h"

size_t mdc_control_at(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] == 0) return 0;
    if (p[0] < 0x20 || p[0] == 0x7f) {
        *cp = p[0];
        return 1;
    }
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *cp = p[1];
        return 2;
    }
    if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
                         (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
        *cp = 0x2000u + ((uint32_t)(p[1] & 0x3f) << 6) + (p[2] & 0x3fu);
        return 3;
    }
    return 0;
}
