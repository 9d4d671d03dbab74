/*
 * linux/slab.h for students' modules on 2.4, written for modlab: kmalloc and
 * kfree with 2.4's allocation flags (mm.h's __GFP_* bits of that era).
 */
#ifndef MODLAB_LINUX_SLAB_H
#define MODLAB_LINUX_SLAB_H

#include <linux/kernel.h>

#define __GFP_DMA 0x01
#define __GFP_HIGHMEM 0x02
#define __GFP_WAIT 0x10
#define __GFP_HIGH 0x20
#define __GFP_IO 0x40
#define __GFP_HIGHIO 0x80
#define __GFP_FS 0x100

/* May sleep: process context only (init, cleanup, system calls). */
#define GFP_KERNEL (__GFP_HIGH | __GFP_WAIT | __GFP_IO | __GFP_HIGHIO | __GFP_FS)
#define GFP_USER (__GFP_WAIT | __GFP_IO | __GFP_HIGHIO | __GFP_FS)
/* Never sleeps: for interrupt handlers and while holding a spinlock. */
#define GFP_ATOMIC (__GFP_HIGH)
#define GFP_DMA __GFP_DMA

extern void *kmalloc(size_t size, int flags);
extern void kfree(const void *p);

#endif
