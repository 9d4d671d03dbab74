/*
 * modlab's hello module for Linux 2.4 on i386, built without kernel headers
 * (the agent links it itself; see link.c). Its init and cleanup print to the
 * kernel log, and it exports three functions, which hello_user.o calls, so
 * that a second module can depend on this one and hold it in use.
 */
extern int printk(const char *fmt, ...);

/* The layout of 2.4's struct module_symbol: an export table entry. */
struct module_symbol {
	unsigned long value;
	const char *name;
};

/* The start of 2.4's struct module, which the linker places at __this_module. */
struct module_head {
	unsigned long size_of_struct;
	void *next;
	const char *name;
	unsigned long size;
	long usecount;
	unsigned long flags;
};
#define MOD_VISITED 8
#define MOD_USED_ONCE 16
extern struct module_head __this_module;

static int greetings;

/* What MOD_INC_USE_COUNT and MOD_DEC_USE_COUNT did, for a caller that needs hello to stay. */
void modlab_hello_hold(void)
{
	/* One locked instruction, in assembly that gcc and TinyCC both take. */
	__asm__ __volatile__("lock; incl %0" : "+m"(__this_module.usecount));
	__this_module.flags |= MOD_VISITED | MOD_USED_ONCE;
}

void modlab_hello_release(void)
{
	__asm__ __volatile__("lock; decl %0" : "+m"(__this_module.usecount));
}

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
static const char hold_name[] = "modlab_hello_hold";
static const char release_name[] = "modlab_hello_release";
const struct module_symbol modlab_exports[] __attribute__((section("__ksymtab"), used)) = {
	{ (unsigned long)modlab_hello_greet, greet_name },
	{ (unsigned long)modlab_hello_hold, hold_name },
	{ (unsigned long)modlab_hello_release, release_name },
};
