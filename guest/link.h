/*
 * The agent's minimal insmod: lays out an i386 ELF relocatable object as a
 * Linux 2.4 module image for a given kernel address, resolves its undefined
 * symbols, applies its relocations and fills in struct module.
 */
#ifndef MODLAB_LINK_H
#define MODLAB_LINK_H

#include "types.h"

/* 2.4's struct module on i386, all members up to kernel_data: 24 words. */
#define MOD_HEADER_SIZE 96

/*
 * Finds a symbol of the running kernel or of a loaded module; returns 0 if
 * there is none. *owner is the module's struct module address, 0 for the kernel.
 */
typedef int (*resolve_fn)(const char *name, u32 *value, const char **found_as, u32 *owner);

struct link_out {
	u8 *image;      /* where the image is written (cap bytes) */
	u32 cap;
	char *report;   /* a text report, one fact per line (see link.c) */
	u32 report_cap;
	u32 report_len;
	u32 size;       /* the image size, which create_module must reserve */
};

/*
 * Links `obj` for a module called `name` at kernel address `base`. With base
 * 0 it only lays the module out and sets out->size. Returns 0, or a negative
 * errno-like code with an "error" line in the report.
 */
s32 link_module(const u8 *obj, u32 objlen, const char *name, u32 base, resolve_fn resolve, struct link_out *out);

#endif
