/*
 * modlab's one entry into liblzma: decode a whole .xz buffer (the stream a
 * Linux bzImage carries, LZMA2 behind the x86 BCJ filter) into a buffer the
 * caller sized, under a memory limit. Written for modlab; built by
 * unxz/build.ts with xz-utils' liblzma (public domain / 0BSD).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "lzma.h"

/* The caller's buffers live in this module's memory. */
void *unxz_alloc(size_t size) { return malloc(size); }
void unxz_free(void *p) { free(p); }

/*
 * Decodes the first .xz stream of in[0..in_size) into out[0..out_size).
 * Returns liblzma's lzma_ret (0 = the stream decoded and its checks held);
 * *out_pos gets the bytes written, *in_pos the bytes the stream took (the
 * kernel's payload has its length word after it).
 */
int unxz_decode(const uint8_t *in, size_t in_size, size_t *in_pos, uint8_t *out, size_t out_size, size_t *out_pos, uint32_t memlimit)
{
	uint64_t limit = memlimit;
	*in_pos = 0;
	*out_pos = 0;
	return (int)lzma_stream_buffer_decode(&limit, 0, NULL, in, in_pos, in_size, out, out_pos, out_size);
}
