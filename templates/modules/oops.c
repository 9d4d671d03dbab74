#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>

MODULE_LICENSE("GPL");

static int __init oops_init(void)
{
	int *p = NULL;

	printk(KERN_INFO "oops: about to write through a NULL pointer\n");
	*p = 42; /* page fault in kernel mode: an oops */
	return 0;
}

module_init(oops_init);
