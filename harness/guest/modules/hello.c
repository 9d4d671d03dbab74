/*
 * modlab's hello module for Linux 2.4 on i386, built without kernel headers
 * (the agent links it itself; see link.c). Its init and cleanup print to the
 * kernel log, and it exports one function, which hello_user.o calls, so that
 * a second module can depend on this one.
 */
extern int printk(const char *fmt, ...);

/* The layout of 2.4's struct module_symbol: an export table entry. */
struct module_symbol {
	unsigned long value;
	const char *name;
};

static int greetings;

int modlab_hello_greet(const char *who)
{
	greetings++;
	printk("<4>modlab hello: hello, %s (greeting %d)\n", who, greetings);
	return greetings;
}

int init_module(void)
{
	printk("<4>modlab hello: init_module ran at %p\n", (void *)init_module);
	return 0;
}

void cleanup_module(void)
{
	printk("<4>modlab hello: cleanup_module ran after %d greetings\n", greetings);
}

/* What EXPORT_SYMBOL would emit: the kernel finds module exports in __ksymtab. */
static const char greet_name[] = "modlab_hello_greet";
const struct module_symbol modlab_export_greet __attribute__((section("__ksymtab"), used)) = {
	(unsigned long)modlab_hello_greet, greet_name
};
