// SPDX-License-Identifier: GPL-2.0
/*
 * kt_load: the guest side of the kexec QEMU tests.
 *
 *   kt_load load KERNEL [-i INITRD] [-c CMDLINE | -n] [-p LEN] [-L LEN] [-d] [-K]
 *   kt_load unload [-K]
 *   kt_load cycle N KERNEL [load options]
 *   kt_load exec
 *   kt_load raw MEM PAGES ENTRY
 *   kt_load corpus DIR LIST
 *   kt_load faults LABEL KERNEL [load options]
 *   kt_load race SECONDS PROCS GOOD INITRD CMDLINE BAD BAD_ERRNO
 *   kt_load hog MIB
 *   kt_load vmcore FILE
 *   kt_load elfcorehdr
 *
 * "load" calls kexec_file_load(2) and prints one line:
 *   KT: load ok us=<microseconds>
 *   KT: load err=<ERRNO NAME> errno=<n> us=<microseconds>
 * and exits 0 on success or with the errno.  -n passes no command line at
 * all (cmdline_len 0), -p pads the command line with " kt.pad=xxx..." so
 * that cmdline_len, counting the NUL, is exactly LEN; -L passes LEN as
 * cmdline_len whatever the buffer holds (to see the kernel refuse); -d sets
 * KEXEC_FILE_DEBUG so the kernel logs the segments it placed; -K loads a
 * crash kernel (KEXEC_FILE_ON_CRASH), and "unload -K" unloads it.
 *
 * "vmcore" checks that FILE (/proc/vmcore in a crash kernel) is an x86_64
 * ELF core file and prints what it holds:
 *   KT: vmcore elf=ok loads=<n> prstatus=<n> vmcoreinfo=<0|1> load_bytes=<n>
 *   KT: vmload <paddr> <memsz>               (one line a PT_LOAD)
 * or "KT: vmcore elf=bad why=<reason>".
 *
 * "elfcorehdr" reads, through /dev/mem, the ELF core headers the first
 * kernel prepared (elfcorehdr=0x<addr> on the command line of this crash
 * kernel) and prints their program headers by type:
 *   KT: elfcorehdr addr=<addr> phnum=<n> notes=<n> loads=<n>
 *
 * "cycle" loads and unloads N times in one process and prints
 * "KT: cycle done=<loads> fails=<failed loads or unloads>".
 *
 * "raw" loads through kexec_load(2) one segment of PAGES zeroed pages at
 * physical address MEM, with the entry point ENTRY (numbers in C syntax),
 * and reports as "load" does.
 *
 * "corpus" loads every image named in the file LIST (one name a line, in
 * DIR) through the C loader and then the Rust one (the c_loader test switch
 * in /sys/kernel/debug/kexec_rust, Y then N), unloading after each success,
 * and prints one line an image:
 *   KT: cx NAME <C result> <Rust result>
 * with a result "ok" or "err=<ERRNO NAME>".
 *
 * "exec" prints "KT: handoff" and calls reboot(LINUX_REBOOT_CMD_KEXEC); it
 * only returns on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <elf.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef KEXEC_FILE_DEBUG
#define KEXEC_FILE_DEBUG 0x00000008
#endif

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* The name of an errno, including the kernel-internal ones (512 on). */
static const char *errname(int err)
{
	static const char *const internal[] = {
		[512 - 512] = "ERESTARTSYS", [513 - 512] = "ERESTARTNOINTR",
		[514 - 512] = "ERESTARTNOHAND", [515 - 512] = "ENOIOCTLCMD",
		[516 - 512] = "ERESTART_RESTARTBLOCK", [517 - 512] = "EPROBE_DEFER",
		[518 - 512] = "EOPENSTALE", [519 - 512] = "ENOPARAM",
		[521 - 512] = "EBADHANDLE", [522 - 512] = "ENOTSYNC",
		[523 - 512] = "EBADCOOKIE", [524 - 512] = "ENOTSUPP",
		[525 - 512] = "ETOOSMALL", [526 - 512] = "ESERVERFAULT",
		[527 - 512] = "EBADTYPE", [528 - 512] = "EJUKEBOX",
		[529 - 512] = "EIOCBQUEUED", [530 - 512] = "ERECALLCONFLICT",
	};
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	if (err >= 512 && err < 512 + (int)ARRAY_SIZE(internal) &&
	    internal[err - 512])
		return internal[err - 512];
	return "?";
}

static int report(long ret, int err, long long us)
{
	if (ret == 0) {
		printf("KT: load ok us=%lld\n", us);
		return 0;
	}
	printf("KT: load err=%s errno=%d us=%lld\n", errname(err), err, us);
	return err ? err : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kt_load load KERNEL [-i INITRD] [-c CMDLINE | -n] [-p LEN] [-L LEN] [-d] [-K]\n"
		"       kt_load unload [-K]\n"
		"       kt_load faults LABEL KERNEL [load options]\n"
		"       kt_load race SECONDS PROCS GOOD INITRD CMDLINE BAD BAD_ERRNO\n"
		"       kt_load hog MIB\n"
		"       kt_load vmcore FILE\n"
		"       kt_load elfcorehdr\n"
		"       kt_load raw MEM PAGES ENTRY\n"
		"       kt_load corpus DIR LIST\n"
		"       kt_load exec\n");
	exit(2);
}

/* A kexec_file_load(2) call, its arguments ready. */
struct load {
	int kfd, ifd;
	const char *cmdline;
	unsigned long cmdline_len, flags;
	char *buf;
};

/* Parses the load options and opens the files; 0, or an exit code. */
static int load_parse(int argc, char **argv, struct load *l)
{
	const char *kernel, *initrd = NULL, *cmdline = "";
	long pad_to = 0;
	unsigned long raw_len = 0;
	int opt, no_cmdline = 0;

	memset(l, 0, sizeof(*l));
	l->ifd = -1;
	if (argc < 2)
		usage();
	kernel = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "i:c:np:L:dK")) != -1) {
		switch (opt) {
		case 'i':
			initrd = optarg;
			break;
		case 'c':
			cmdline = optarg;
			break;
		case 'n':
			no_cmdline = 1;
			break;
		case 'p':
			pad_to = strtol(optarg, NULL, 0);
			break;
		case 'd':
			l->flags |= KEXEC_FILE_DEBUG;
			break;
		case 'K':
			l->flags |= KEXEC_FILE_ON_CRASH;
			break;
		case 'L':
			raw_len = strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}

	l->kfd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (l->kfd < 0) {
		fprintf(stderr, "kt_load: %s: %s\n", kernel, strerror(errno));
		return 2;
	}
	if (initrd) {
		l->ifd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (l->ifd < 0) {
			fprintf(stderr, "kt_load: %s: %s\n", initrd, strerror(errno));
			return 2;
		}
	} else {
		l->flags |= KEXEC_FILE_NO_INITRAMFS;
	}

	l->cmdline_len = strlen(cmdline) + 1;
	if (pad_to) {
		static const char tag[] = " kt.pad=";
		size_t have = strlen(cmdline);

		if ((size_t)pad_to < have + sizeof(tag) + 1) {
			fprintf(stderr, "kt_load: -p %ld is too short\n", pad_to);
			return 2;
		}
		l->buf = malloc(pad_to);
		if (!l->buf)
			return 2;
		memcpy(l->buf, cmdline, have);
		memcpy(l->buf + have, tag, sizeof(tag) - 1);
		memset(l->buf + have + sizeof(tag) - 1, 'x',
		       pad_to - 1 - have - (sizeof(tag) - 1));
		l->buf[pad_to - 1] = '\0';
		cmdline = l->buf;
		l->cmdline_len = pad_to;
	}
	if (raw_len)
		l->cmdline_len = raw_len;
	if (no_cmdline) {
		cmdline = NULL;
		l->cmdline_len = 0;
	}
	l->cmdline = cmdline;
	return 0;
}

static long load_call(const struct load *l)
{
	return syscall(SYS_kexec_file_load, l->kfd, l->ifd, l->cmdline_len, l->cmdline, l->flags);
}

static void load_close(struct load *l)
{
	free(l->buf);
	close(l->kfd);
	if (l->ifd >= 0)
		close(l->ifd);
}

static int do_load(int argc, char **argv)
{
	struct load l;
	long long t0, t1;
	long ret;
	int err;

	err = load_parse(argc, argv, &l);
	if (err)
		return err;
	t0 = now_us();
	ret = load_call(&l);
	err = errno;
	t1 = now_us();
	load_close(&l);
	return report(ret, ret ? err : 0, t1 - t0);
}

/* /sys/kernel/kexec_loaded or kexec_crash_loaded: 0, 1, or -1. */
static int loaded(int crash)
{
	char c = 0;
	int fd = open(crash ? "/sys/kernel/kexec_crash_loaded" : "/sys/kernel/kexec_loaded",
		      O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

/*
 * "faults LABEL KERNEL [load options]": the load, with its N-th fault
 * injected (fail-nth: allocations, as the debugfs fault attributes allow)
 * for N = 1, 2, ... until a load runs without reaching its N-th fault.
 * Prints one line a failed load ("KT: fault LABEL N err=NAME loaded=X")
 * and a summary:
 *   KT: faults LABEL points=<faults reached> failed=<loads that failed>
 *       ok=<loads that succeeded despite the fault> stuck=<failed loads
 *       after which an image was loaded> errnos=<NAME:count,...>
 */
static int do_faults(int argc, char **argv)
{
	char path[64], buf[32], errs[512] = "";
	static int count[4096];
	long n, points = 0, failed = 0, ok = 0, stuck = 0;
	int crash, fnth, err, e;
	struct load l;
	long ret;

	if (argc < 3)
		usage();
	err = load_parse(argc - 1, argv + 1, &l);
	if (err)
		return err;
	crash = !!(l.flags & KEXEC_FILE_ON_CRASH);
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth", (long)syscall(SYS_gettid));
	fnth = open(path, O_RDWR | O_CLOEXEC);
	if (fnth < 0) {
		printf("KT: faults %s err=no-fail-nth\n", argv[1]);
		return 2;
	}
	for (n = 1; n < 100000; n++) {
		int injected, now;

		snprintf(buf, sizeof(buf), "%ld", n);
		if (write(fnth, buf, strlen(buf)) < 0)
			return 2;
		ret = load_call(&l);
		err = errno;
		memset(buf, 0, sizeof(buf));
		if (pread(fnth, buf, sizeof(buf) - 1, 0) < 0)
			return 2;
		injected = atoi(buf) == 0;
		if (write(fnth, "0", 1) < 0)
			return 2;
		if (!injected) {
			/* The whole load ran without reaching fault N. */
			if (ret)
				printf("KT: fault %s %ld unfaulted-err=%s\n", argv[1], n, errname(err));
			else
				syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
					(unsigned long)KEXEC_FILE_UNLOAD | (l.flags & KEXEC_FILE_ON_CRASH));
			break;
		}
		points++;
		now = loaded(crash);
		if (ret == 0) {
			ok++;
			syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
				(unsigned long)KEXEC_FILE_UNLOAD | (l.flags & KEXEC_FILE_ON_CRASH));
			continue;
		}
		failed++;
		if (now != 0)
			stuck++;
		count[err < 4096 && err > 0 ? err : 0]++;
		printf("KT: fault %s %ld err=%s loaded=%d\n", argv[1], n, errname(err), now);
	}
	for (e = 0; e < 4096; e++)
		if (count[e])
			snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs), "%s%s:%d",
				 errs[0] ? "," : "", errname(e), count[e]);
	printf("KT: faults %s points=%ld failed=%ld ok=%ld stuck=%ld errnos=%s\n", argv[1], points,
	       failed, ok, stuck, errs[0] ? errs : "none");
	load_close(&l);
	close(fnth);
	return 0;
}

static int do_raw(int argc, char **argv)
{
	struct kexec_segment seg;
	unsigned long entry;
	long long t0, t1;
	long ret;
	int err;

	if (argc != 4)
		usage();
	seg.mem = (void *)strtoul(argv[1], NULL, 0);
	seg.memsz = strtoul(argv[2], NULL, 0) * 4096;
	seg.bufsz = seg.memsz;
	seg.buf = calloc(1, seg.bufsz);
	entry = strtoul(argv[3], NULL, 0);
	if (!seg.buf)
		return 2;
	t0 = now_us();
	ret = syscall(SYS_kexec_load, entry, 1UL, &seg, KEXEC_ARCH_DEFAULT);
	err = errno;
	t1 = now_us();
	free((void *)seg.buf);
	return report(ret, ret ? err : 0, t1 - t0);
}

/* Loads @path with the loader @rust selects; "ok" or "err=NAME" in @out. */
static void corpus_one(const char *path, int rust, char *out, size_t len)
{
	static const char cmdline[] = "console=ttyS0";
	int fd, knob;
	long ret;

	knob = open("/sys/kernel/debug/kexec_rust/c_loader", O_WRONLY | O_CLOEXEC);
	if (knob < 0 || write(knob, rust ? "N" : "Y", 1) != 1) {
		snprintf(out, len, "err=NOKNOB");
		if (knob >= 0)
			close(knob);
		return;
	}
	close(knob);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(out, len, "err=OPEN");
		return;
	}
	ret = syscall(SYS_kexec_file_load, fd, -1, sizeof(cmdline), cmdline,
		      (unsigned long)KEXEC_FILE_NO_INITRAMFS);
	if (ret) {
		snprintf(out, len, "err=%s", errname(errno));
	} else {
		snprintf(out, len, "ok");
		if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL, (unsigned long)KEXEC_FILE_UNLOAD))
			snprintf(out, len, "ok-unload-err=%s", errname(errno));
	}
	close(fd);
}

static int do_corpus(int argc, char **argv)
{
	char name[256], path[512], c[64], r[64];
	FILE *list;

	if (argc != 3)
		usage();
	list = fopen(argv[2], "r");
	if (!list) {
		fprintf(stderr, "kt_load: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	while (fgets(name, sizeof(name), list)) {
		name[strcspn(name, "\n")] = '\0';
		if (!name[0])
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], name);
		corpus_one(path, 0, c, sizeof(c));
		corpus_one(path, 1, r, sizeof(r));
		printf("KT: cx %s %s %s\n", name, c, r);
		fflush(stdout);
	}
	fclose(list);
	return 0;
}

/* Reads exactly @len bytes at @off of @fd. */
static int read_at(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

static int bad_core(const char *why)
{
	printf("KT: vmcore elf=bad why=%s\n", why);
	return 1;
}

/* Reads and checks the ELF header and program headers of a core file. */
static Elf64_Phdr *read_core_headers(int fd, off_t base, Elf64_Ehdr *eh, const char **why)
{
	Elf64_Phdr *ph;

	*why = "read";
	if (read_at(fd, eh, sizeof(*eh), base))
		return NULL;
	*why = "header";
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_type != ET_CORE || eh->e_machine != EM_X86_64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 65535)
		return NULL;
	ph = calloc(eh->e_phnum, sizeof(*ph));
	*why = "phdrs";
	if (!ph || read_at(fd, ph, eh->e_phnum * sizeof(*ph), base + eh->e_phoff)) {
		free(ph);
		return NULL;
	}
	return ph;
}

static int do_vmcore(const char *path)
{
	unsigned long loads = 0, prstatus = 0, vmcoreinfo = 0, load_bytes = 0;
	const char *why;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	int fd, i;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad_core("open");
	ph = read_core_headers(fd, 0, &eh, &why);
	if (!ph)
		return bad_core(why);
	for (i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			loads++;
			load_bytes += ph[i].p_memsz;
			printf("KT: vmload %#lx %#lx\n", (unsigned long)ph[i].p_paddr,
			       (unsigned long)ph[i].p_memsz);
		} else if (ph[i].p_type == PT_NOTE) {
			char *notes = malloc(ph[i].p_filesz);
			size_t off = 0;

			if (!notes || read_at(fd, notes, ph[i].p_filesz, ph[i].p_offset))
				return bad_core("notes");
			while (off + sizeof(Elf64_Nhdr) <= ph[i].p_filesz) {
				Elf64_Nhdr *n = (Elf64_Nhdr *)(notes + off);
				size_t next = off + sizeof(*n) + ((n->n_namesz + 3) & ~3UL) +
					      ((n->n_descsz + 3) & ~3UL);
				const char *name = notes + off + sizeof(*n);

				if (next > ph[i].p_filesz || next <= off)
					break;
				if (n->n_type == NT_PRSTATUS && n->n_namesz == 5 && !memcmp(name, "CORE", 5))
					prstatus++;
				if (n->n_namesz == 11 && !memcmp(name, "VMCOREINFO", 11))
					vmcoreinfo = 1;
				off = next;
			}
			free(notes);
		}
	}
	printf("KT: vmcore elf=ok loads=%lu prstatus=%lu vmcoreinfo=%lu load_bytes=%lu\n",
	       loads, prstatus, vmcoreinfo, load_bytes);
	free(ph);
	close(fd);
	return 0;
}

static int do_elfcorehdr(void)
{
	unsigned long addr = 0, notes = 0, loads = 0;
	char cmdline[4096], *p;
	const char *why;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	ssize_t n;
	int fd, i;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return bad_core("cmdline");
	cmdline[n] = '\0';
	p = strstr(cmdline, "elfcorehdr=");
	if (!p)
		return bad_core("no-elfcorehdr");
	addr = strtoul(p + strlen("elfcorehdr="), NULL, 0);
	fd = open("/dev/mem", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bad_core("devmem");
	ph = read_core_headers(fd, addr, &eh, &why);
	if (!ph)
		return bad_core(why);
	for (i = 0; i < eh.e_phnum; i++) {
		notes += ph[i].p_type == PT_NOTE;
		loads += ph[i].p_type == PT_LOAD;
	}
	printf("KT: elfcorehdr addr=%#lx phnum=%u notes=%lu loads=%lu\n", addr, eh.e_phnum,
	       notes, loads);
	free(ph);
	close(fd);
	return 0;
}

/*
 * "race": PROCS processes, for SECONDS, each in a loop: load GOOD (with
 * INITRD and CMDLINE), load BAD, unload; and one more process flipping the
 * c_loader test switch, so that both loaders take part. Every answer must
 * be success, EBUSY, or BAD's own errno (named) for BAD. Prints per process
 *   KT: race <i> ok=<n> busy=<n> bad=<n> other=<n>
 * and one "KT: race other <what> <errno>" line for each other answer.
 */
static int race_child(int i, time_t end, char **argv)
{
	const char *good = argv[3], *initrd = argv[4], *cmdline = argv[5], *bad = argv[6];
	const char *bad_errno = argv[7];
	long ok = 0, busy = 0, badn = 0, other = 0;
	int gk = open(good, O_RDONLY | O_CLOEXEC), gi = open(initrd, O_RDONLY | O_CLOEXEC);
	int bk = open(bad, O_RDONLY | O_CLOEXEC);

	if (gk < 0 || gi < 0 || bk < 0)
		return 2;
	while (time(NULL) < end) {
		struct { const char *what; long ret; int err; } r[3];
		int k;

		r[0].what = "good";
		r[0].ret = syscall(SYS_kexec_file_load, gk, gi, strlen(cmdline) + 1, cmdline, 0UL);
		r[0].err = errno;
		r[1].what = "bad";
		r[1].ret = syscall(SYS_kexec_file_load, bk, -1, 1UL, "", (unsigned long)KEXEC_FILE_NO_INITRAMFS);
		r[1].err = errno;
		r[2].what = "unload";
		r[2].ret = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, (unsigned long)KEXEC_FILE_UNLOAD);
		r[2].err = errno;
		for (k = 0; k < 3; k++) {
			if (r[k].ret == 0 && k != 1)
				ok++;
			else if (r[k].ret && r[k].err == EBUSY)
				busy++;
			else if (k == 1 && r[k].ret && !strcmp(errname(r[k].err), bad_errno))
				badn++;
			else {
				other++;
				printf("KT: race other %s %s\n", r[k].what, r[k].ret ? errname(r[k].err) : "ok");
			}
		}
	}
	printf("KT: race %d ok=%ld busy=%ld bad=%ld other=%ld\n", i, ok, busy, badn, other);
	return 0;
}

static int do_race(int argc, char **argv)
{
	time_t end;
	int procs, i, status, flips = 0;
	pid_t flipper;

	if (argc != 8)
		usage();
	end = time(NULL) + atoi(argv[1]);
	procs = atoi(argv[2]);
	for (i = 0; i < procs; i++)
		if (fork() == 0)
			exit(race_child(i, end, argv));
	flipper = fork();
	if (flipper == 0) {
		int fd = open("/sys/kernel/debug/kexec_rust/c_loader", O_WRONLY | O_CLOEXEC);

		while (fd >= 0 && time(NULL) < end) {
			if (write(fd, flips++ & 1 ? "Y" : "N", 1) != 1)
				break;
			usleep(20000);
		}
		if (fd >= 0 && write(fd, "N", 1) != 1)
			exit(1);
		printf("KT: race flips=%d\n", flips);
		exit(0);
	}
	while (wait(&status) > 0)
		;
	return 0;
}

/* "hog": holds MIB MiB of touched anonymous memory until killed. */
static int do_hog(int argc, char **argv)
{
	size_t len;
	char *p;

	if (argc != 2)
		usage();
	len = strtoul(argv[1], NULL, 0) << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("KT: hog err=%s\n", errname(errno));
		return 1;
	}
	memset(p, 0x5a, len);
	printf("KT: hog ready mib=%s\n", argv[1]);
	for (;;)
		pause();
}

static int do_cycle(int argc, char **argv)
{
	long n, i, fails = 0;
	int saved;

	if (argc < 3)
		usage();
	n = strtol(argv[1], NULL, 0);
	saved = dup(STDOUT_FILENO);
	/* The per-load lines are not wanted here. */
	if (!freopen("/dev/null", "w", stdout))
		return 2;
	for (i = 0; i < n; i++) {
		if (do_load(argc - 1, argv + 1))
			fails++;
		else if (syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL,
				 (unsigned long)KEXEC_FILE_UNLOAD))
			fails++;
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	dprintf(STDOUT_FILENO, "KT: cycle done=%ld fails=%ld\n", n, fails);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "load"))
		return do_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "unload")) {
		unsigned long fl = KEXEC_FILE_UNLOAD;
		long ret;

		if (argc > 2 && !strcmp(argv[2], "-K"))
			fl |= KEXEC_FILE_ON_CRASH;
		ret = syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, fl);
		return ret ? report(ret, errno, 0) : (printf("KT: unload ok\n"), 0);
	}
	if (!strcmp(argv[1], "race"))
		return do_race(argc - 1, argv + 1);
	if (!strcmp(argv[1], "hog"))
		return do_hog(argc - 1, argv + 1);
	if (!strcmp(argv[1], "faults"))
		return do_faults(argc - 1, argv + 1);
	if (!strcmp(argv[1], "vmcore") && argc == 3)
		return do_vmcore(argv[2]);
	if (!strcmp(argv[1], "elfcorehdr"))
		return do_elfcorehdr();
	if (!strcmp(argv[1], "corpus"))
		return do_corpus(argc - 1, argv + 1);
	if (!strcmp(argv[1], "raw"))
		return do_raw(argc - 1, argv + 1);
	if (!strcmp(argv[1], "cycle"))
		return do_cycle(argc - 1, argv + 1);
	if (!strcmp(argv[1], "exec")) {
		sync();
		printf("KT: handoff\n");
		syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
			LINUX_REBOOT_CMD_KEXEC, NULL);
		printf("KT: exec err=%s errno=%d\n", errname(errno), errno);
		return 1;
	}
	usage();
	return 2;
}
