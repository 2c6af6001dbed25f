// SPDX-License-Identifier: GPL-2.0
/*
 * util/symbols.c: System.map and ELF .symtab loading, lookups at a
 * symbol's start, inside it, between and beyond symbols, and the search
 * for a symbol file next to a kernel image. Fixtures live in a temp dir.
 */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <link.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tap.h"
#include "util/symbols.h"

static char tmpdir[] = "/tmp/lkvm-test-symbols-XXXXXX";

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) == EOF || fclose(f))
		abort();
}

static char *tmp_path(const char *rel)
{
	char *p;

	if (asprintf(&p, "%s/%s", tmpdir, rel) < 0)
		abort();
	return p;
}

/* mkdir -p for the directories of @rel under tmpdir. */
static void mkdirs(const char *rel)
{
	char *p = tmp_path(rel);

	for (char *s = p + strlen(tmpdir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	free(p);
}

/* Check one lookup: @want NULL means "no symbol". */
static void check(const struct symtab *st, u64 addr, const char *want, u64 want_off,
		  const char *what)
{
	u64 off = 0xdead;
	const char *got = symtab_lookup(st, addr, &off);

	if (!want) {
		ok(!got, "%s: %#llx has no symbol", what, (unsigned long long)addr);
		if (got)
			diag("  got %s+%#llx", got, (unsigned long long)off);
		return;
	}
	ok(got && !strcmp(got, want) && off == want_off, "%s: %#llx is %s+%#llx", what,
	   (unsigned long long)addr, want, (unsigned long long)want_off);
	if (!got || strcmp(got, want) || off != want_off)
		diag("  got %s+%#llx", got ? got : "(null)", (unsigned long long)off);
}

static void test_system_map(void)
{
	char *path = tmp_path("System.map"), err[256] = "";
	struct symtab *st;

	write_text(path,
		   "ffffffff81000000 T _text\n"
		   "ffffffff81000000 T startup_64\n"
		   "ffffffff81000100 t secondary_startup_64\n"
		   "ffffffff81000200 T do_one_initcall\n"
		   "ffffffff81001000 U undefined_sym\n"
		   "0000000000001234 A an_absolute_symbol\n"
		   "ffffffff82000000 D init_task\n"
		   "ffffffff82000300 b kallsyms_module\t[ext4]\n"
		   "ffffffff82000400 B _end\n");
	st = symtab_load(path, err, sizeof(err));
	if (!ok(st != NULL, "System.map loads"))
		diag("  error: %s", err);
	is_int(symtab_count(st), 6, "U, A and same-address duplicates are dropped");
	check(st, 0xffffffff81000000ULL, "startup_64", 0, "System.map, alias preferred over _text");
	check(st, 0xffffffff81000150ULL, "secondary_startup_64", 0x50, "System.map, middle");
	check(st, 0xffffffff81000200ULL, "do_one_initcall", 0, "System.map, start");
	check(st, 0xffffffff81001800ULL, "do_one_initcall", 0x1600, "System.map, up to the next");
	check(st, 0xffffffff82000310ULL, "kallsyms_module", 0x10, "kallsyms [module] tag");
	check(st, 0xffffffff80ffffffULL, NULL, 0, "System.map, before the first");
	check(st, 0x1234, NULL, 0, "System.map, absolute symbol skipped");
	check(st, 0xffffffff82000400ULL, "_end", 0, "System.map, the last symbol itself");
	check(st, 0xffffffff82000401ULL, NULL, 0, "System.map, after the last");
	check(st, UINT64_MAX, NULL, 0, "System.map, top of the address space");
	symtab_free(st);

	/* Debian ships this sentence in /boot instead of the real map. */
	write_text(path, "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n");
	st = symtab_load(path, err, sizeof(err));
	ok(!st && strstr(err, "The real System.map"), "Debian's placeholder System.map is refused");
	diag("  -> %s", err);
	write_text(path, "");
	st = symtab_load(path, err, sizeof(err));
	ok(!st && strstr(err, "no symbols"), "empty file is refused");
	diag("  -> %s", err);
	st = symtab_load("/nonexistent/System.map", err, sizeof(err));
	ok(!st && strstr(err, "No such file"), "missing file is refused");
	diag("  -> %s", err);
	free(path);
}

/* Symbols of the hand-made ELF: name, value, size, type, binding. */
static const struct {
	const char *name;
	u64 value, size;
	int type, bind;
} elf_syms[] = {
	{ "func_a", 0x1000, 0x10, STT_FUNC, STB_GLOBAL },
	{ "func_b", 0x1100, 0x20, STT_FUNC, STB_LOCAL },
	{ "an_object", 0x2000, 0x8, STT_OBJECT, STB_GLOBAL },
	{ "asm_label", 0x3000, 0, STT_NOTYPE, STB_GLOBAL },
	{ "big", 0x4000, 0x100, STT_FUNC, STB_GLOBAL },
	{ "small_inside_big", 0x4010, 0x10, STT_FUNC, STB_LOCAL },
	{ "a_section", 0x1000, 0, STT_SECTION, STB_LOCAL },
	{ "a_tls_var", 0x10, 8, STT_TLS, STB_GLOBAL },
};

/* Write an ELF64 executable with a NOBITS .text and a .symtab, with
 * libelf's writer. Returns 0 or -1. */
static int write_elf(const char *path)
{
	char strtab[512] = "", shstr[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
	Elf64_Sym syms[ARRAY_SIZE(elf_syms) + 1];
	size_t slen = 1;
	Elf_Scn *text, *sym, *str, *shs;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;
	Elf_Data *d;
	Elf *e;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	memset(syms, 0, sizeof(syms));
	for (size_t i = 0; i < ARRAY_SIZE(elf_syms); i++) {
		syms[i + 1] = (Elf64_Sym){
			.st_name = (Elf64_Word)slen,
			.st_info = ELF64_ST_INFO(elf_syms[i].bind, elf_syms[i].type),
			.st_shndx = 1,
			.st_value = elf_syms[i].value,
			.st_size = elf_syms[i].size,
		};
		strcpy(strtab + slen, elf_syms[i].name);
		slen += strlen(elf_syms[i].name) + 1;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	eh = elf64_newehdr(e);
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;

	text = elf_newscn(e);
	d = elf_newdata(text);
	d->d_size = 0x5000;
	d->d_type = ELF_T_BYTE;
	sh = elf64_getshdr(text);
	*sh = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			    .sh_addr = 0, .sh_addralign = 16 };

	sym = elf_newscn(e);
	d = elf_newdata(sym);
	d->d_buf = syms;
	d->d_size = sizeof(syms);
	d->d_type = ELF_T_SYM;
	d->d_align = 8;
	sh = elf64_getshdr(sym);
	*sh = (Elf64_Shdr){ .sh_name = 7, .sh_type = SHT_SYMTAB, .sh_link = 3, .sh_info = 1,
			    .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 };

	str = elf_newscn(e);
	d = elf_newdata(str);
	d->d_buf = strtab;
	d->d_size = slen;
	d->d_type = ELF_T_BYTE;
	sh = elf64_getshdr(str);
	*sh = (Elf64_Shdr){ .sh_name = 15, .sh_type = SHT_STRTAB, .sh_addralign = 1 };

	shs = elf_newscn(e);
	d = elf_newdata(shs);
	d->d_buf = shstr;
	d->d_size = sizeof(shstr);
	d->d_type = ELF_T_BYTE;
	sh = elf64_getshdr(shs);
	*sh = (Elf64_Shdr){ .sh_name = 23, .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	eh->e_shstrndx = (Elf64_Half)elf_ndxscn(shs);

	if (elf_update(e, ELF_C_WRITE) < 0) {
		diag("libelf: %s", elf_errmsg(-1));
		return -1;
	}
	elf_end(e);
	return close(fd);
}

static void test_elf(void)
{
	char *path = tmp_path("test.elf"), err[256] = "";
	struct symtab *st = NULL;

	if (!ok(!write_elf(path), "test ELF written with libelf"))
		return;
	st = symtab_load(path, err, sizeof(err));
	if (!ok(st != NULL, "ELF .symtab loads"))
		diag("  error: %s", err);
	is_int(symtab_count(st), 6, "section and TLS symbols are dropped");
	check(st, 0x1000, "func_a", 0, "ELF, start");
	check(st, 0x100f, "func_a", 0xf, "ELF, last byte");
	check(st, 0x1010, NULL, 0, "ELF, just past a sized symbol");
	check(st, 0x10ff, NULL, 0, "ELF, gap between functions");
	check(st, 0x1110, "func_b", 0x10, "ELF, middle of a local function");
	check(st, 0x2004, "an_object", 4, "ELF, object");
	check(st, 0x3abc, "asm_label", 0xabc, "ELF, untyped label up to the next symbol");
	check(st, 0x4018, "small_inside_big", 8, "ELF, nested symbol");
	check(st, 0x4080, "big", 0x80, "ELF, enclosing symbol after a nested one");
	check(st, 0xfff, NULL, 0, "ELF, before the first");
	check(st, 0x4100, NULL, 0, "ELF, after the last");
	check(st, 0x10, NULL, 0, "ELF, TLS offset is no address");
	symtab_free(st);
	free(path);
}

static int __attribute__((noinline, used)) static_helper(int x)
{
	return x * 3 + 1;
}

int main(void);

static int find_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	*(u64 *)data = info->dlpi_addr;
	return 1;	/* the first entry is the main program */
}

/* This very binary, linked by the real toolchain. */
static void test_self(void)
{
	char err[256] = "";
	struct symtab *st = symtab_load("/proc/self/exe", err, sizeof(err));
	u64 bias = 0, a_main, a_helper;

	if (!st) {
		skip("no symbols in /proc/self/exe (stripped?)");
		diag("  %s", err);
		return;
	}
	dl_iterate_phdr(find_bias, &bias);
	a_main = (u64)(uintptr_t)&main - bias;
	a_helper = (u64)(uintptr_t)&static_helper - bias;
	check(st, a_main, "main", 0, "self, main");
	check(st, a_main + 1, "main", 1, "self, inside main");
	check(st, a_helper, "static_helper", 0, "self, static function");
	check(st, UINT64_MAX, NULL, 0, "self, top of the address space");
	ok(static_helper(1) == 4, "(static_helper is real code)");
	symtab_free(st);
}

/* Expect symtab_find_for_kernel(@kernel) to be @want (relative to tmpdir). */
static void check_find(const char *kernel, const char *want, const char *what)
{
	char *k = tmp_path(kernel), *w = want ? tmp_path(want) : NULL;
	char *got = symtab_find_for_kernel(k);

	if (want)
		is_str(got, w, what);
	else if (!ok(!got, "%s: nothing found", what))
		diag("  got %s", got);
	free(got);
	free(k);
	free(w);
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	void *buf = read_file(from, &len);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (!buf || fd < 0 || write_all(fd, buf, len))
		abort();
	close(fd);
	free(buf);
}

static void test_find(void)
{
	static const char map[] = "ffffffff81000000 T _text\n";
	char *elf = tmp_path("test.elf"), *p;

	mkdirs("linux/arch/x86/boot/x");
	write_text((p = tmp_path("linux/arch/x86/boot/bzImage")), "not really a kernel");
	free(p);
	check_find("linux/arch/x86/boot/bzImage", NULL, "kernel tree without symbols");
	copy_file(elf, (p = tmp_path("linux/vmlinux")));
	free(p);
	check_find("linux/arch/x86/boot/bzImage", "linux/vmlinux", "kernel tree: its vmlinux");
	write_text((p = tmp_path("linux/System.map")), map);
	free(p);
	check_find("linux/arch/x86/boot/bzImage", "linux/System.map",
		   "kernel tree: System.map before vmlinux");

	mkdirs("boot/x");
	write_text((p = tmp_path("boot/vmlinuz-6.1.0-lkvmtest")), "kernel");
	free(p);
	write_text((p = tmp_path("boot/System.map-6.1.0-lkvmtest")),
		   "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n");
	free(p);
	check_find("boot/vmlinuz-6.1.0-lkvmtest", NULL, "/boot: Debian's placeholder skipped");
	write_text((p = tmp_path("boot/System.map-6.1.0-lkvmtest")), map);
	free(p);
	check_find("boot/vmlinuz-6.1.0-lkvmtest", "boot/System.map-6.1.0-lkvmtest",
		   "/boot: System.map-<version>");

	mkdirs("k/x");
	copy_file(elf, (p = tmp_path("k/vmlinux")));
	free(p);
	check_find("k/vmlinux", NULL, "a vmlinux is not its own symbol file");
	write_text((p = tmp_path("k/bzImage")), "kernel");
	free(p);
	check_find("k/bzImage", "k/vmlinux", "dirname/vmlinux");
	write_text((p = tmp_path("k/vmlinux")), "not ELF");
	free(p);
	check_find("k/bzImage", NULL, "a non-ELF vmlinux is skipped");
	write_text((p = tmp_path("k/System.map")), map);
	free(p);
	check_find("k/bzImage", "k/System.map", "dirname/System.map");
	write_text((p = tmp_path("k/bzImage.map")), map);
	free(p);
	check_find("k/bzImage", "k/bzImage.map", "K.map first");
	ok(!symtab_find_for_kernel("") && !symtab_find_for_kernel(NULL), "empty path finds nothing");
	free(elf);
}

int main(void)
{
	char *cmd;

	if (!mkdtemp(tmpdir)) {
		skip("cannot create a temp dir");
		return done_testing();
	}
	test_system_map();
	test_elf();
	test_self();
	test_find();
	if (asprintf(&cmd, "rm -rf '%s'", tmpdir) >= 0) {
		if (system(cmd))
			diag("could not remove %s", tmpdir);
		free(cmd);
	}
	return done_testing();
}
