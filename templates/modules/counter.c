#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int count;

/*
 * Exported: once this module is loaded, other modules may call it
 * (counter_user does). The kernel then lists them as counter's users
 * (/proc/modules: counter ... [counter_user]) and refuses to remove
 * counter (EBUSY) while they are loaded.
 */
int counter_next(void)
{
	return ++count;
}
EXPORT_SYMBOL(counter_next);

static int __init counter_init(void)
{
	printk(KERN_INFO "counter: loaded, counter_next() is exported\n");
	return 0;
}

static void __exit counter_exit(void)
{
	printk(KERN_INFO "counter: unloaded after %d calls\n", count);
}

module_init(counter_init);
module_exit(counter_exit);
