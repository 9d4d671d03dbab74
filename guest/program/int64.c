/*
 * The 64-bit integer helpers TinyCC calls on i386 (under libgcc's names)
 * for long long division and remainder and for shifts by a variable count;
 * tcc's own libtcc1 is not linked, so the runtime brings them, written for
 * modlab. Each uses only 32-bit arithmetic and shifts by constants, which
 * tcc compiles inline, so no helper calls another. Conversions between
 * long long and floating point (__fixdfdi and friends) are not here.
 */
typedef unsigned long long u64;
typedef long long s64;

static u64 join(unsigned hi, unsigned lo)
{
	return (u64)hi << 32 | lo;
}

/* The count is taken modulo 64, as the processor takes a 32-bit shift's modulo 32. */
u64 __lshrdi3(u64 a, int n)
{
	unsigned hi = (unsigned)(a >> 32), lo = (unsigned)a;

	n &= 63;
	if (n == 0)
		return a;
	if (n >= 32)
		return join(0, hi >> (n - 32));
	return join(hi >> n, lo >> n | hi << (32 - n));
}

u64 __ashldi3(u64 a, int n)
{
	unsigned hi = (unsigned)(a >> 32), lo = (unsigned)a;

	n &= 63;
	if (n == 0)
		return a;
	if (n >= 32)
		return join(lo << (n - 32), 0);
	return join(hi << n | lo >> (32 - n), lo << n);
}

/* Arithmetic: the sign bit fills the top. */
s64 __ashrdi3(s64 a, int n)
{
	int hi = (int)(a >> 32);
	unsigned lo = (unsigned)a;

	n &= 63;
	if (n == 0)
		return a;
	if (n >= 32)
		return (s64)join((unsigned)(hi >> 31), (unsigned)(hi >> (n - 32)));
	return (s64)join((unsigned)(hi >> n), lo >> n | (unsigned)hi << (32 - n));
}

/* n / d, and n % d in *rem: one bit of the quotient per step, as long division on paper. */
static u64 divide(u64 n, u64 d, u64 *rem)
{
	u64 q = 0, r = 0;
	int i;

	if (d == 0) {
		/* A 32-bit division by zero, so the program gets SIGFPE as from the processor's own. */
		volatile unsigned zero = 0;

		*rem = 0;
		return 1 / zero;
	}
	if ((n >> 32) == 0 && (d >> 32) == 0) {
		*rem = (unsigned)n % (unsigned)d;
		return (unsigned)n / (unsigned)d;
	}
	for (i = 0; i < 64; i++) {
		r = r << 1 | n >> 63;
		n <<= 1;
		q <<= 1;
		if (r >= d) {
			r -= d;
			q |= 1;
		}
	}
	*rem = r;
	return q;
}

/* The magnitude of a, without overflow for the most negative value. */
static u64 magnitude(s64 a)
{
	return a < 0 ? 0 - (u64)a : (u64)a;
}

u64 __udivdi3(u64 a, u64 b)
{
	u64 rem;

	return divide(a, b, &rem);
}

u64 __umoddi3(u64 a, u64 b)
{
	u64 rem;

	divide(a, b, &rem);
	return rem;
}

/* C rounds toward zero: the quotient is negative when exactly one operand is. */
s64 __divdi3(s64 a, s64 b)
{
	u64 rem, q = divide(magnitude(a), magnitude(b), &rem);

	return (a < 0) != (b < 0) ? (s64)(0 - q) : (s64)q;
}

/* The remainder takes the sign of the dividend. */
s64 __moddi3(s64 a, s64 b)
{
	u64 rem;

	divide(magnitude(a), magnitude(b), &rem);
	return a < 0 ? (s64)(0 - rem) : (s64)rem;
}
