/*
 * linux/init.h for students' modules, written for modlab. A module's entry
 * points are the functions named init_module and cleanup_module, as the
 * 2.4 loader found them; module_init and module_exit give those names to
 * functions of any name. __init and __exit mark code as only needed at load
 * or unload; in a module 2.4 kept it all, so they are empty.
 */
#ifndef MODLAB_LINUX_INIT_H
#define MODLAB_LINUX_INIT_H

#define __init
#define __exit
#define __initdata
#define __exitdata

/*
 * Wrappers rather than aliases (2.4's own header used an alias): TinyCC,
 * the compiler modlab runs in the page, does not make alias symbols, and a
 * wrapper works with every compiler. A static `fn` is fine.
 */
#define module_init(fn) int init_module(void) { return fn(); }
#define module_exit(fn) void cleanup_module(void) { fn(); }

#endif
