#include <linux/module.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int __init probe_init(void)
{
	printk(KERN_INFO "probe: no device found, refusing to load\n");
	/* A negative errno from init: init_module fails with it, and the module stays uninitialized. */
	return -ENODEV;
}

module_init(probe_init);
