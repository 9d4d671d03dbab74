/*
 * The agent's minimal insmod (see link.h). It does what modutils' insmod did
 * for a 2.4 kernel, for the simple objects modlab builds:
 *
 *   image = struct module (MOD_HEADER_SIZE bytes) | name NUL | each SHF_ALLOC
 *           section at its alignment (.text, .rodata*, __ksymtab, .data, .bss)
 *           | a struct module_ref per module it uses symbols of (its deps)
 *
 * Undefined symbols are looked up in the running kernel (the resolver strips
 * MODVERSIONS suffixes such as printk_R1b7d4074), except __this_module, the
 * module's own header, as insmod defined it; R_386_32 and R_386_PC32
 * relocations are applied for the image's kernel address; init_module and
 * cleanup_module become the header's init and cleanup, and a __ksymtab
 * section becomes its export table.
 *
 * The report, one fact per line, fields separated by tabs:
 *   layout  <section> <offset> <size>     where each part of the image lies
 *   symbol  <name> <value> <found as> <owner>  an undefined symbol, resolved
 *                                      (owner: the module that exports it, or 0 for the kernel)
 *   reloc   <type> <section> <offset> <symbol> <value written>
 *   field   <struct module member> <value>
 *   error   <message>
 * Offsets are from the start of the image; values are hex.
 */
#include "link.h"
#include "linux.h"
#include "runtime.h"

#define EI_CLASS 4
#define ELFCLASS32 1
#define EM_386 3
#define ET_REL 1
#define SHT_SYMTAB 2
#define SHT_NOBITS 8
#define SHT_REL 9
#define SHF_ALLOC 2
#define SHN_UNDEF 0
#define SHN_ABS 0xfff1
#define SHN_COMMON 0xfff2
#define STT_SECTION 3
#define R_386_32 1
#define R_386_PC32 2
/* 2.4's struct module_symbol { value, name } and struct module_ref { dep, ref, next_ref }. */
#define MODULE_SYMBOL_SIZE 8
#define MODULE_REF_SIZE 12
#define MAX_SECTIONS 64
#define MAX_DEPS 8
#define MAX_SYMS 4096

struct ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct shdr {
	u32 name, type, flags, addr, offset, size, link, info, addralign, entsize;
};
struct sym {
	u32 name, value, size;
	u8 info, other;
	u16 shndx;
};
struct rel {
	u32 offset, info;
};

/* struct module's members, as word indexes into the header. */
enum { M_SIZE_OF_STRUCT, M_NEXT, M_NAME, M_SIZE, M_USECOUNT, M_FLAGS, M_NSYMS, M_NDEPS, M_SYMS, M_DEPS, M_REFS, M_INIT, M_CLEANUP };

static void put(struct link_out *o, const char *s)
{
	while (*s && o->report_len + 1 < o->report_cap)
		o->report[o->report_len++] = *s++;
	o->report[o->report_len] = 0;
}

static void put_hex(struct link_out *o, u32 v)
{
	char b[NUM_TEXT_SIZE];
	put(o, fmt_hex(b, v));
}

static void line(struct link_out *o, const char *kind, const char *a, const char *b)
{
	put(o, kind);
	if (a) {
		put(o, "\t");
		put(o, a);
	}
	if (b) {
		put(o, "\t");
		put(o, b);
	}
}

static s32 fail(struct link_out *o, const char *msg, const char *detail)
{
	line(o, "error", msg, detail);
	put(o, "\n");
	return -ENOEXEC; /* the object cannot be linked */
}

static u32 align_up(u32 v, u32 a)
{
	return a > 1 ? (v + a - 1) & ~(a - 1) : v;
}

s32 link_module(const u8 *obj, u32 objlen, const char *name, u32 base, resolve_fn resolve, struct link_out *out)
{
	const struct ehdr *eh = (const struct ehdr *)obj;
	out->report_len = 0;
	if (objlen < sizeof(struct ehdr) || obj[0] != 0x7f || obj[1] != 'E' || obj[2] != 'L' || obj[3] != 'F' || obj[EI_CLASS] != ELFCLASS32)
		return fail(out, "not a 32-bit ELF object", 0);
	if (eh->type != ET_REL || eh->machine != EM_386)
		return fail(out, "not an i386 relocatable object", 0);
	if (eh->shnum > MAX_SECTIONS || eh->shoff + (u32)eh->shnum * sizeof(struct shdr) > objlen || eh->shstrndx >= eh->shnum)
		return fail(out, "section table out of bounds", 0);
	const struct shdr *sh = (const struct shdr *)(obj + eh->shoff);
	const char *shstr = (const char *)(obj + sh[eh->shstrndx].offset);

	/* Lay the image out. */
	u32 where[MAX_SECTIONS] = { 0 };
	u32 at = MOD_HEADER_SIZE + str_len(name) + 1;
	const struct shdr *symtab = 0;
	int ksymtab = -1;
	for (u32 i = 0; i < eh->shnum; i++) {
		if (sh[i].type == SHT_SYMTAB)
			symtab = &sh[i];
		if (!(sh[i].flags & SHF_ALLOC))
			continue;
		if (sh[i].type != SHT_NOBITS && sh[i].offset + sh[i].size > objlen)
			return fail(out, "section data out of bounds", shstr + sh[i].name);
		at = align_up(at, sh[i].addralign);
		where[i] = at;
		at += sh[i].size;
		if (str_eq(shstr + sh[i].name, "__ksymtab"))
			ksymtab = (int)i;
	}
	if (!symtab || symtab->link >= eh->shnum)
		return fail(out, "no symbol table", 0);

	/* Every symbol's value at `base`; undefined ones from the kernel or a loaded module. */
	const struct sym *syms = (const struct sym *)(obj + symtab->offset);
	u32 nsyms = symtab->size / sizeof(struct sym);
	const char *strtab = (const char *)(obj + sh[symtab->link].offset);
	if (symtab->offset + symtab->size > objlen || nsyms > MAX_SYMS)
		return fail(out, "symbol table out of bounds", 0);
	static u32 value[MAX_SYMS];
	static const char *found[MAX_SYMS];
	static u32 owner[MAX_SYMS];
	u32 deps[MAX_DEPS], ndeps = 0;
	u32 init = 0, cleanup = 0;
	for (u32 i = 1; i < nsyms; i++) {
		const struct sym *s = &syms[i];
		const char *sname = strtab + s->name;
		owner[i] = 0;
		if (s->shndx == SHN_UNDEF && str_eq(sname, "__this_module")) {
			/* insmod's own symbol: the module's struct module, at the start of the image. */
			value[i] = base;
			found[i] = "the image's struct module";
		} else if (s->shndx == SHN_UNDEF) {
			found[i] = 0;
			if (!resolve(sname, &value[i], &found[i], &owner[i]))
				return fail(out, "unresolved symbol", sname);
			u32 d = 0;
			while (d < ndeps && deps[d] != owner[i])
				d++;
			if (owner[i] && d == ndeps) {
				if (ndeps == MAX_DEPS)
					return fail(out, "too many modules depended on", sname);
				deps[ndeps++] = owner[i];
			}
		} else if (s->shndx == SHN_ABS) {
			value[i] = s->value;
		} else if (s->shndx == SHN_COMMON || s->shndx >= eh->shnum) {
			return fail(out, "common or unusual symbol (build with -fno-common)", sname);
		} else {
			value[i] = base + where[s->shndx] + s->value;
		}
		if (str_eq(sname, "init_module"))
			init = value[i];
		if (str_eq(sname, "cleanup_module"))
			cleanup = value[i];
	}
	at = align_up(at, 4);
	u32 deps_at = at;
	at += ndeps * MODULE_REF_SIZE;
	out->size = align_up(at, 16);
	if (base == 0)
		return 0;
	if (out->size > out->cap)
		return fail(out, "image too large", 0);

	u8 *img = out->image;
	memset(img, 0, out->size);
	memcpy(img + MOD_HEADER_SIZE, name, str_len(name) + 1);
	line(out, "layout", "struct module", 0);
	put(out, "\t"), put_hex(out, 0), put(out, "\t"), put_hex(out, MOD_HEADER_SIZE), put(out, "\n");
	line(out, "layout", "name", 0);
	put(out, "\t"), put_hex(out, MOD_HEADER_SIZE), put(out, "\t"), put_hex(out, str_len(name) + 1), put(out, "\n");
	for (u32 i = 0; i < eh->shnum; i++) {
		if (!(sh[i].flags & SHF_ALLOC) || sh[i].size == 0)
			continue;
		if (sh[i].type != SHT_NOBITS)
			memcpy(img + where[i], obj + sh[i].offset, sh[i].size);
		line(out, "layout", shstr + sh[i].name, 0);
		put(out, "\t"), put_hex(out, where[i]), put(out, "\t"), put_hex(out, sh[i].size), put(out, "\n");
	}
	if (ndeps) {
		line(out, "layout", "deps", 0);
		put(out, "\t"), put_hex(out, deps_at), put(out, "\t"), put_hex(out, ndeps * MODULE_REF_SIZE), put(out, "\n");
	}
	/* Each struct module_ref names its dep; the kernel fills in ref and next_ref. */
	for (u32 d = 0; d < ndeps; d++)
		put32(img + deps_at + d * MODULE_REF_SIZE, deps[d]);
	for (u32 i = 1; i < nsyms; i++) {
		if (syms[i].shndx != SHN_UNDEF)
			continue;
		line(out, "symbol", strtab + syms[i].name, 0);
		put(out, "\t"), put_hex(out, value[i]), put(out, "\t"), put(out, found[i] ? found[i] : "?"), put(out, "\t"), put_hex(out, owner[i]), put(out, "\n");
	}

	/* Relocations, for sections that are part of the image. */
	for (u32 i = 0; i < eh->shnum; i++) {
		if (sh[i].type != SHT_REL || sh[i].info >= eh->shnum || !(sh[sh[i].info].flags & SHF_ALLOC))
			continue;
		const struct shdr *target = &sh[sh[i].info];
		const struct rel *r = (const struct rel *)(obj + sh[i].offset);
		u32 n = sh[i].size / sizeof(struct rel);
		if (sh[i].offset + sh[i].size > objlen)
			return fail(out, "relocations out of bounds", shstr + sh[i].name);
		for (u32 k = 0; k < n; k++) {
			u32 symi = r[k].info >> 8, type = r[k].info & 0xff; /* ELF32_R_SYM, ELF32_R_TYPE */
			if (symi >= nsyms || r[k].offset + 4 > target->size)
				return fail(out, "bad relocation", shstr + sh[i].name);
			u8 *place = img + where[sh[i].info] + r[k].offset;
			u32 addend = get32(place);
			u32 p = base + where[sh[i].info] + r[k].offset, v;
			if (type == R_386_32)
				v = value[symi] + addend;
			else if (type == R_386_PC32)
				v = value[symi] + addend - p;
			else
				return fail(out, "unsupported relocation type", shstr + sh[i].name);
			put32(place, v);
			const struct sym *s = &syms[symi];
			const char *what = (s->info & 15) == STT_SECTION ? shstr + sh[s->shndx].name : strtab + s->name;
			line(out, "reloc", type == R_386_32 ? "R_386_32" : "R_386_PC32", shstr + target->name);
			put(out, "\t"), put_hex(out, r[k].offset), put(out, "\t"), put(out, what), put(out, "\t"), put_hex(out, v), put(out, "\n");
		}
	}

	/* struct module, as sys_init_module expects it at `base`. */
	u32 *m = (u32 *)img;
	m[M_SIZE_OF_STRUCT] = MOD_HEADER_SIZE;
	m[M_NAME] = base + MOD_HEADER_SIZE;
	m[M_SIZE] = out->size;
	m[M_INIT] = init;
	m[M_CLEANUP] = cleanup;
	if (ksymtab >= 0) {
		m[M_SYMS] = base + where[ksymtab];
		m[M_NSYMS] = sh[ksymtab].size / MODULE_SYMBOL_SIZE;
	}
	if (ndeps) {
		m[M_DEPS] = base + deps_at;
		m[M_NDEPS] = ndeps;
	}
	static const char *const fields[] = { "size_of_struct", "next", "name", "size", "usecount", "flags", "nsyms", "ndeps", "syms", "deps", "refs", "init", "cleanup" };
	for (u32 i = 0; i <= M_CLEANUP; i++) {
		line(out, "field", fields[i], 0);
		put(out, "\t"), put_hex(out, m[i]), put(out, "\n");
	}
	return 0;
}
