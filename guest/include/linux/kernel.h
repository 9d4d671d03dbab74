/*
 * linux/kernel.h for students' modules on modlab's 2.4 kernels, written for
 * modlab (no kernel source is copied): printk and its log levels, and the
 * few basics a small module needs. Freestanding: build with -nostdinc
 * -I guest/include.
 */
#ifndef MODLAB_LINUX_KERNEL_H
#define MODLAB_LINUX_KERNEL_H

#ifndef NULL
#define NULL ((void *)0)
#endif

#ifndef MODLAB_SIZE_T
#define MODLAB_SIZE_T
typedef __SIZE_TYPE__ size_t;
#endif

/* A message's level is its "<n>" prefix: lower is more urgent. */
#define KERN_EMERG "<0>"
#define KERN_ALERT "<1>"
#define KERN_CRIT "<2>"
#define KERN_ERR "<3>"
#define KERN_WARNING "<4>"
#define KERN_NOTICE "<5>"
#define KERN_INFO "<6>"
#define KERN_DEBUG "<7>"

/* The kernel's printf into its log. The agent's linker finds it under MODVERSIONS names too. */
extern int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
