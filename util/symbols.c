// SPDX-License-Identifier: GPL-2.0
/*
 * Symbol tables from System.map files or ELF .symtab sections, kept as one
 * array sorted by address with the names in a single string pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/symbols.h"

/* How far symtab_lookup walks back to find a sized symbol enclosing a
 * smaller one (nested labels); a bound keeps lookups O(log n). */
#define ENCLOSING_WALK 8

/* Preference among symbols at one address: the best one names it. */
enum sym_prio { PRIO_LABEL, PRIO_GLOBAL_LABEL, PRIO_OBJECT, PRIO_FUNC };

struct sym {
	u64 addr;
	u64 size;	/* bytes; 0 = unknown (up to the next symbol) */
	size_t name;	/* offset into the pool */
	int prio;
	bool internal;	/* name starts with '_': a worse alias (_text vs startup_64) */
};

struct symtab {
	struct sym *syms;
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
};

static void st_add(struct symtab *st, u64 addr, u64 size, const char *name, size_t nlen, int prio)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->syms = xrealloc(st->syms, st->cap * sizeof(*st->syms));
	}
	while (st->pool_cap - st->pool_len < nlen + 1) {
		st->pool_cap = st->pool_cap ? st->pool_cap * 2 : 16384;
		st->pool = xrealloc(st->pool, st->pool_cap);
	}
	memcpy(st->pool + st->pool_len, name, nlen);
	st->pool[st->pool_len + nlen] = '\0';
	st->syms[st->n++] = (struct sym){ addr, size, st->pool_len, prio, name[0] == '_' };
	st->pool_len += nlen + 1;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->prio != y->prio)
		return y->prio - x->prio;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->internal != y->internal)
		return x->internal - y->internal;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* Sort by address and keep the best-named symbol of each address. */
static void st_finish(struct symtab *st)
{
	size_t out = 0;

	qsort(st->syms, st->n, sizeof(*st->syms), sym_cmp);
	for (size_t i = 0; i < st->n; i++)
		if (!out || st->syms[out - 1].addr != st->syms[i].addr)
			st->syms[out++] = st->syms[i];
	st->n = out;
}

/*
 * Parse one System.map line, "<hex address> <type> <name>", optionally
 * followed by "\t[module]" as in /proc/kallsyms. Sets @name/@nlen to the
 * name inside @line. Returns 0, or -1 if the line is not in that form.
 */
static int map_parse_line(const char *line, u64 *addr, char *type, const char **name,
			  size_t *nlen)
{
	const char *p = line, *n;
	u64 v = 0;
	int digits = 0;

	for (; *p && *p != ' '; p++, digits++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (*p | 0x20) - 'a' + 10;
		else
			return -1;
		if (digits >= 16)
			return -1;
		v = v << 4 | (u64)d;
	}
	if (!digits || p[0] != ' ' || !p[1] || p[2] != ' ')
		return -1;
	*type = p[1];
	n = p + 3;
	p = n;
	while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		p++;
	if (p == n)
		return -1;
	*name = n;
	*nlen = (size_t)(p - n);
	if (*p == '\t')	/* kallsyms module tag */
		p += strcspn(p, "\n");
	while (*p == '\r' || *p == '\n')
		p++;
	if (*p)
		return -1;
	*addr = v;
	return 0;
}

/* nm(1) type letters worth naming an address with: code and data, not
 * undefined (U), absolute (A) or debugging (N) symbols. */
static bool map_type_wanted(char t, u64 addr)
{
	switch (t) {
	case 'T': case 't': case 'D': case 'd': case 'B': case 'b':
	case 'R': case 'r': case 'G': case 'g': case 'S': case 's':
	case 'W': case 'V': case 'u':
		return true;
	case 'w': case 'v':
		return addr != 0;	/* weak and possibly undefined */
	default:
		return false;
	}
}

static int map_prio(char t)
{
	return (t | 0x20) == 't' || t == 'W' ? PRIO_FUNC : PRIO_OBJECT;
}

/* Load a System.map. Returns 0, 1 if no line looked like one (with the
 * first line quoted in @err), -1 on I/O errors. */
static int load_map(struct symtab *st, FILE *f, const char *path, char *err, size_t errlen)
{
	char *line = NULL, first[80] = "";
	size_t cap = 0;
	ssize_t n;
	bool parsed = false;

	while ((n = getline(&line, &cap, f)) > 0) {
		const char *name;
		size_t nlen;
		char type;
		u64 addr;

		if (map_parse_line(line, &addr, &type, &name, &nlen)) {
			if (!first[0]) {
				snprintf(first, sizeof(first), "%.*s", (int)strcspn(line, "\r\n"), line);
				for (char *c = first; *c; c++)	/* keep the message printable */
					if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
						*c = '?';
			}
			continue;
		}
		parsed = true;
		if (map_type_wanted(type, addr))
			st_add(st, addr, 0, name, nlen, map_prio(type));
	}
	free(line);
	if (ferror(f))
		return set_err(err, errlen, "%s: read error", path);
	if (!parsed || !st->n) {
		if (first[0])
			set_err(err, errlen, "%s: not an ELF file or a System.map: \"%s\"", path, first);
		else
			set_err(err, errlen, "%s: no symbols", path);
		return 1;
	}
	return 0;
}

static int elf_prio(const GElf_Sym *s)
{
	switch (GELF_ST_TYPE(s->st_info)) {
	case STT_FUNC:
	case STT_GNU_IFUNC:
		return PRIO_FUNC;
	case STT_OBJECT:
		return PRIO_OBJECT;
	case STT_NOTYPE:
		return GELF_ST_BIND(s->st_info) == STB_LOCAL ? PRIO_LABEL : PRIO_GLOBAL_LABEL;
	default:
		return -1;	/* sections, files, TLS offsets: not addresses */
	}
}

/* Add the symbols of one SHT_SYMTAB/SHT_DYNSYM section. */
static void load_elf_section(struct symtab *st, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t entsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
	GElf_Sym s;

	if (!data || !entsz)
		return;
	for (size_t i = 0; i < data->d_size / entsz && i <= INT_MAX; i++) {
		const char *name;
		int prio;

		if (!gelf_getsym(data, (int)i, &s))
			break;
		prio = elf_prio(&s);
		if (prio < 0 || s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS ||
		    s.st_shndx == SHN_COMMON)
			continue;
		name = elf_strptr(e, sh->sh_link, s.st_name);
		/* Skip nameless entries and ARM-style "$x" mapping symbols. */
		if (!name || !name[0] || name[0] == '$')
			continue;
		st_add(st, s.st_value, s.st_size, name, strlen(name), prio);
	}
}

/* Load .symtab, or .dynsym from a stripped file. Returns 0, or -1 with
 * @err set. */
static int load_elf(struct symtab *st, int fd, const char *path, char *err, size_t errlen)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	Elf_Scn *dyn = NULL;
	GElf_Shdr dynsh;
	bool have_symtab = false;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return set_err(err, errlen, "libelf: %s", elf_errmsg(-1));
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF) {
		set_err(err, errlen, "%s: %s", path, e ? "not an ELF object" : elf_errmsg(-1));
		elf_end(e);
		return -1;
	}
	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB) {
			load_elf_section(st, e, scn, &sh);
			have_symtab = true;
		} else if (sh.sh_type == SHT_DYNSYM && !dyn) {
			dyn = scn;
			dynsh = sh;
		}
	}
	if (!have_symtab && dyn)
		load_elf_section(st, e, dyn, &dynsh);
	elf_end(e);
	if (!st->n)
		return set_err(err, errlen, "%s: ELF file has no symbols (stripped?)", path);
	return 0;
}

struct symtab *symtab_load(const char *path, char *err, size_t errlen)
{
	struct symtab *st = xzalloc(sizeof(*st));
	unsigned char magic[SELFMAG];
	FILE *f;
	int rc;

	f = fopen(path, "re");
	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		free(st);
		return NULL;
	}
	if (fread(magic, 1, SELFMAG, f) == SELFMAG && !memcmp(magic, ELFMAG, SELFMAG)) {
		rc = load_elf(st, fileno(f), path, err, errlen);
	} else {
		rewind(f);
		rc = load_map(st, f, path, err, errlen);
	}
	fclose(f);
	if (rc) {
		symtab_free(st);
		return NULL;
	}
	st_finish(st);
	return st;
}

const char *symtab_lookup(const struct symtab *st, u64 addr, u64 *offset)
{
	size_t lo = 0, hi, i;

	if (!st || !st->n || addr < st->syms[0].addr)
		return NULL;
	/* Last symbol starting at or below @addr. */
	hi = st->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	i = lo;
	for (size_t steps = 0; steps <= ENCLOSING_WALK; steps++) {
		const struct sym *s = &st->syms[i];

		if (!s->size) {
			/* Up to the next symbol; only in the first step does
			 * that range reach @addr. The last covers itself. */
			if (steps || (i == st->n - 1 && addr != s->addr))
				return NULL;
		} else if (addr - s->addr >= s->size) {
			if (!i)
				return NULL;
			i--;
			continue;
		}
		if (offset)
			*offset = addr - s->addr;
		return st->pool + s->name;
	}
	return NULL;
}

size_t symtab_count(const struct symtab *st)
{
	return st ? st->n : 0;
}

void symtab_free(struct symtab *st)
{
	if (!st)
		return;
	free(st->syms);
	free(st->pool);
	free(st);
}

/*
 * Is @path a usable symbol file for the kernel @kst: a regular file other
 * than the kernel itself, either ELF or starting with a System.map line?
 * (Debian's /boot/System.map-* is a placeholder sentence, which fails.)
 */
static bool candidate_ok(const char *path, const struct stat *kst)
{
	char buf[512];
	struct stat sb;
	const char *name;
	size_t n, nlen;
	char type;
	u64 addr;
	FILE *f;

	if (stat(path, &sb) || !S_ISREG(sb.st_mode))
		return false;
	if (kst && sb.st_dev == kst->st_dev && sb.st_ino == kst->st_ino)
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return true;
	buf[strcspn(buf, "\n")] = '\0';
	return !map_parse_line(buf, &addr, &type, &name, &nlen);
}

char *symtab_find_for_kernel(const char *kernel_path)
{
	char *cand[10] = { NULL };
	size_t nc = 0;
	const char *base, *arch = NULL, *p;
	char *dir, *found = NULL;
	struct stat kst;
	bool have_kst;

	if (!kernel_path || !kernel_path[0])
		return NULL;
	have_kst = !stat(kernel_path, &kst);
	base = strrchr(kernel_path, '/');
	base = base ? base + 1 : kernel_path;
	dir = base == kernel_path ? xstrdup(".")
				  : strndup(kernel_path, (size_t)(base - 1 - kernel_path));
	if (!dir)
		return NULL;
	/* "/vmlinuz": dir is "", so "<dir>/System.map" is "/System.map". */

	/* Kernel tree: ".../arch/<arch>/boot/<image>" or "arch/<arch>/boot/<image>". */
	for (p = kernel_path; (p = strstr(p, "arch/")); p++)
		if (p == kernel_path || p[-1] == '/')
			arch = p;
	if (arch) {
		const char *sub = strchr(arch + 5, '/');

		if (sub && sub > arch + 5 && !strncmp(sub, "/boot/", 6)) {
			int rl = (int)(arch - kernel_path);

			if (asprintf(&cand[nc], "%.*sSystem.map", rl, kernel_path) >= 0)
				nc++;
			if (asprintf(&cand[nc], "%.*svmlinux", rl, kernel_path) >= 0)
				nc++;
		}
	}
	if (!strncmp(base, "vmlinuz-", 8) && base[8]) {
		if (asprintf(&cand[nc], "%s/System.map-%s", dir, base + 8) >= 0)
			nc++;
		if (asprintf(&cand[nc], "/usr/lib/debug/boot/vmlinux-%s", base + 8) >= 0)
			nc++;
		if (asprintf(&cand[nc], "/usr/lib/debug/lib/modules/%s/vmlinux", base + 8) >= 0)
			nc++;
	}
	if (asprintf(&cand[nc], "%s.map", kernel_path) >= 0)
		nc++;
	if (asprintf(&cand[nc], "%s/System.map", dir) >= 0)
		nc++;
	if (asprintf(&cand[nc], "%s/vmlinux", dir) >= 0)
		nc++;

	for (size_t i = 0; i < nc; i++) {
		if (!found && candidate_ok(cand[i], have_kst ? &kst : NULL))
			found = cand[i];
		else
			free(cand[i]);
	}
	free(dir);
	return found;
}
