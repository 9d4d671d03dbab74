/*
 * A second module that uses hello's export: while it is loaded, hello is in
 * use and delete_module("hello") answers EBUSY.
 */
extern int printk(const char *fmt, ...);
extern int modlab_hello_greet(const char *who);

int init_module(void)
{
	int n = modlab_hello_greet("hello_user");
	printk("<4>modlab hello_user: init_module, greeting %d\n", n);
	return 0;
}

void cleanup_module(void)
{
	printk("<4>modlab hello_user: cleanup_module\n");
}
