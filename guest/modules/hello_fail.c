/*
 * A module whose init fails: 2.4's init_module turns a positive return
 * ("a buggy module") into EBUSY, and the module stays uninitialized.
 */
extern int printk(const char *fmt, ...);

int init_module(void)
{
	printk("<4>modlab hello_fail: init_module refuses to start\n");
	return 1;
}
