/*
 * linux/module.h for students' modules on modlab's 2.4 kernels, written for
 * modlab. It brings in kernel.h, init.h and errno.h (for `return -ENODEV;`
 * from init, as 2.4's module.h brought errno in), says what a module is about
 * (MODULE_LICENSE and friends: accepted, and kept out of the image), exports
 * symbols for other modules (EXPORT_SYMBOL, into __ksymtab as 2.4 read it),
 * and counts uses (MOD_INC_USE_COUNT / MOD_DEC_USE_COUNT).
 */
#ifndef MODLAB_LINUX_MODULE_H
#define MODLAB_LINUX_MODULE_H

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/init.h>

/* Descriptions: a declaration swallows the text and the semicolon, and emits nothing. */
#define MODULE_LICENSE(text) extern int __modlab_modinfo
#define MODULE_AUTHOR(text) extern int __modlab_modinfo
#define MODULE_DESCRIPTION(text) extern int __modlab_modinfo
#define MODULE_PARM_DESC(var, text) extern int __modlab_modinfo

/* One entry of 2.4's export table: the symbol's address and its name. */
struct module_symbol {
	unsigned long value;
	const char *name;
};

/* The entry goes into __ksymtab, where the agent's linker and the kernel look for exports. */
#define EXPORT_SYMBOL(sym)                                                          \
	static const char __modlab_kstrtab_##sym[] = #sym;                          \
	static const struct module_symbol __modlab_ksymtab_##sym                    \
		__attribute__((section("__ksymtab"), used, aligned(4))) = {         \
			(unsigned long)&sym, __modlab_kstrtab_##sym                 \
		}
#define EXPORT_SYMBOL_NOVERS(sym) EXPORT_SYMBOL(sym)
#define EXPORT_NO_SYMBOLS extern int __modlab_modinfo

/* The start of 2.4's struct module, which the linker places at __this_module. */
struct module {
	unsigned long size_of_struct;
	struct module *next;
	const char *name;
	unsigned long size;
	long usecount;
	unsigned long flags;
};
extern struct module __this_module;
#define THIS_MODULE (&__this_module)

/*
 * A module in use cannot be removed (delete_module answers EBUSY). The
 * count changes with one locked instruction, as 2.4's atomic_inc did: inline
 * assembly that gcc and TinyCC both take (tcc has no __atomic builtins).
 */
#define MODLAB_MOD_VISITED 8
#define MODLAB_MOD_USED_ONCE 16
#define MOD_INC_USE_COUNT                                                           \
	do {                                                                        \
		__asm__ __volatile__("lock; incl %0" : "+m"(__this_module.usecount)); \
		__this_module.flags |= MODLAB_MOD_VISITED | MODLAB_MOD_USED_ONCE;  \
	} while (0)
#define MOD_DEC_USE_COUNT __asm__ __volatile__("lock; decl %0" : "+m"(__this_module.usecount))

#endif
