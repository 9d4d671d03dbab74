#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

/* Exported by counter.c: load counter first, or linking this module fails. */
extern int counter_next(void);

static int __init counter_user_init(void)
{
	int first = counter_next();
	int second = counter_next();

	printk(KERN_INFO "counter_user: counter_next() gave %d, then %d\n", first, second);
	return 0;
}

static void __exit counter_user_exit(void)
{
	printk(KERN_INFO "counter_user: goodbye\n");
}

module_init(counter_user_init);
module_exit(counter_user_exit);
