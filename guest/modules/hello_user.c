/*
 * A second module that uses hello's exports: while it is loaded, hello is in
 * use (referenced, and its use count held at 1) and delete_module("hello")
 * answers EBUSY.
 */
extern int printk(const char *fmt, ...);
extern int modlab_hello_greet(const char *who);
extern void modlab_hello_hold(void);
extern void modlab_hello_release(void);

int init_module(void)
{
	int n = modlab_hello_greet("hello_user");
	modlab_hello_hold();
	printk("<4>modlab hello_user: init_module, greeting %d; hello held\n", n);
	return 0;
}

void cleanup_module(void)
{
	modlab_hello_release();
	printk("<4>modlab hello_user: cleanup_module; hello released\n");
}
