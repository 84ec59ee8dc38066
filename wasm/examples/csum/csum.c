// fast_sum(double): the sum of a group's values (NULL for a group without values), written in C against
// vcube's plugin ABI (docs/plugins.md) without any library: a small allocator, the exports, and the kernels.
// It is the fast path the ABI allows when a plugin wants native speed: no runtime, no garbage collector, and
// a batch loop the compiler turns into straight wasm.
//
//   clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o csum.wasm csum.c
//
// Rows are added in order, so the sum of one group is bitwise the sum a sequential loop gives.

typedef unsigned char u8;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(name)))

enum { STATUS_OK = 0, STATUS_ERROR = 1 };
enum { TYPE_DOUBLE = 3, TYPE_BINARY = 7 };

// A column descriptor (docs/plugins.md, "Columns").
struct column {
	u32 type, rows, validity, values, data, data_len;
	i32 scale, precision;
};

// The compiler may call these for loops that copy or clear memory.
void *memcpy(void *dst, const void *src, unsigned long n) {
	u8 *d = dst;
	const u8 *s = src;
	while (n--) *d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, unsigned long n) {
	u8 *d = dst;
	while (n--) *d++ = (u8)c;
	return dst;
}

// The allocator: blocks of power-of-two sizes with an 8-byte header holding the size class; freed blocks go
// to a free list per class and are reused. Memory is never returned, but it is reused, so a long-lived
// instance serving many queries stays at its high-water mark.
extern u8 __heap_base;
static u8 *heap_top, *heap_end;
static void *free_list[32];

static void *alloc(u32 size) {
	if (size == 0 || size > (1u << 30)) return 0;
	u32 cls = 4;
	while ((1u << cls) < size + 8) cls++;
	u8 *block = free_list[cls];
	if (block) {
		free_list[cls] = *(void **)(block + 8);
	} else {
		if (!heap_top) heap_top = heap_end = (u8 *)(((u32)&__heap_base + 15) & ~15u);
		u32 need = 1u << cls;
		if ((u32)(heap_end - heap_top) < need) {
			u32 pages = (need - (u32)(heap_end - heap_top) + 65535) / 65536;
			if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) return 0;
			heap_end += pages * 65536;
		}
		block = heap_top;
		heap_top += need;
	}
	*(u32 *)block = cls;
	return block + 8;
}

static void release(void *p) {
	if (!p) return;
	u8 *block = (u8 *)p - 8;
	u32 cls = *(u32 *)block;
	*(void **)(block + 8) = free_list[cls];
	free_list[cls] = block;
}

EXPORT("vcube_abi_version") i32 abi_version(void) { return 1; }
EXPORT("vcube_alloc") u32 vcube_alloc(i32 size) { return (u32)alloc((u32)size); }
EXPORT("vcube_free") void vcube_free(u32 ptr, i32 size) { release((void *)ptr); }

static const char metadata[] =
	"{\"functions\":[{\"name\":\"fast_sum\",\"kind\":\"measure\",\"args\":[\"double\"],\"returns\":\"double\"}]}";

static u64 span(const void *p, u32 n) { return (u64)(u32)p << 32 | n; }

EXPORT("vcube_metadata") u64 vcube_metadata(void) { return span(metadata, sizeof metadata - 1); }

static const char *err_message = "";
static u32 err_len;
static i64 err_row = -1;

static i32 fail(const char *msg) {
	err_message = msg;
	err_len = 0;
	while (msg[err_len]) err_len++;
	err_row = -1;
	return STATUS_ERROR;
}

EXPORT("vcube_error_message") u64 vcube_error_message(void) { return span(err_message, err_len); }
EXPORT("vcube_error_row") i64 vcube_error_row(void) { return err_row; }

// A table holds the sum and count of each group.
struct table {
	double *sum;
	u64 *count;
	u32 groups, cap, used;
};

enum { MAX_TABLES = 256 };
static struct table tables[MAX_TABLES + 1];

EXPORT("vcube_measure_new") i32 measure_new(i32 fn) {
	if (fn != 0) return fail("no such measure");
	for (i32 id = 1; id <= MAX_TABLES; id++) {
		if (!tables[id].used) {
			tables[id] = (struct table){.used = 1};
			return id;
		}
	}
	fail("too many fast_sum tables in one instance");
	return 0;
}

static struct table *lookup(i32 id) {
	return id >= 1 && id <= MAX_TABLES && tables[id].used ? &tables[id] : 0;
}

EXPORT("vcube_measure_drop") i32 measure_drop(i32 id) {
	struct table *t = lookup(id);
	if (t) {
		release(t->sum);
		release(t->count);
		*t = (struct table){0};
	}
	return STATUS_OK;
}

// reserve makes room for groups 0..n-1; new groups start at zero.
static int reserve(struct table *t, u32 n) {
	if (n <= t->groups) return 1;
	if (n > t->cap) {
		u32 cap = t->cap * 2 > n ? t->cap * 2 : n;
		if (cap < 16) cap = 16;
		if (cap > (1u << 26)) return 0;
		double *sum = alloc(cap * 8);
		u64 *count = alloc(cap * 8);
		if (!sum || !count) {
			release(sum);
			release(count);
			return 0;
		}
		memcpy(sum, t->sum, t->groups * 8);
		memcpy(count, t->count, t->groups * 8);
		release(t->sum);
		release(t->count);
		t->sum = sum, t->count = count, t->cap = cap;
	}
	memset(t->sum + t->groups, 0, (n - t->groups) * 8);
	memset(t->count + t->groups, 0, (n - t->groups) * 8);
	t->groups = n;
	return 1;
}

static int valid(const u8 *bitmap, u32 i) { return !bitmap || bitmap[i >> 3] >> (i & 7) & 1; }

EXPORT("vcube_measure_update") i32 measure_update(i32 id, i32 rows, const u32 *groups, u32 group, const struct column *arg) {
	struct table *t = lookup(id);
	if (!t) return fail("no such table");
	if (arg->type != TYPE_DOUBLE || arg->rows != (u32)rows) return fail("fast_sum takes one double column");
	const double *v = (const double *)arg->values;
	const u8 *bitmap = (const u8 *)arg->validity;
	u32 n = (u32)rows;
	if (!groups) {
		if (!reserve(t, group + 1)) return fail("out of memory");
		double s = t->sum[group];
		u64 c = 0;
		if (!bitmap) {
			// Sixteen rows per iteration, still added in order: the loop's own cost (and the interruption
			// check vcube adds to every loop) is paid once per sixteen rows.
#pragma clang loop unroll_count(16)
			for (u32 i = 0; i < n; i++) s += v[i];
			c = n;
		} else {
			for (u32 i = 0; i < n; i++)
				if (valid(bitmap, i)) s += v[i], c++;
		}
		t->sum[group] = s;
		t->count[group] += c;
		return STATUS_OK;
	}
	u32 top = 0;
	for (u32 i = 0; i < n; i++)
		if (groups[i] > top) top = groups[i];
	if (n && !reserve(t, top + 1)) return fail("out of memory");
	for (u32 i = 0; i < n; i++) {
		if (valid(bitmap, i)) {
			t->sum[groups[i]] += v[i];
			t->count[groups[i]]++;
		}
	}
	return STATUS_OK;
}

// A state is 16 bytes: the sum (a little-endian double) and the count (a little-endian uint64).
EXPORT("vcube_measure_merge") i32 measure_merge(i32 id, i32 rows, const u32 *groups, u32 group, const struct column *states) {
	struct table *t = lookup(id);
	if (!t) return fail("no such table");
	if (states->type != TYPE_BINARY || states->rows != (u32)rows) return fail("expected a binary column of states");
	const u32 *off = (const u32 *)states->values;
	const u8 *data = (const u8 *)states->data;
	for (u32 i = 0; i < (u32)rows; i++) {
		u32 g = groups ? groups[i] : group;
		if (off[i + 1] - off[i] != 16) {
			fail("a fast_sum state is 16 bytes");
			err_row = i;
			return STATUS_ERROR;
		}
		if (!reserve(t, g + 1)) return fail("out of memory");
		double s;
		u64 c;
		memcpy(&s, data + off[i], 8);
		memcpy(&c, data + off[i] + 8, 8);
		t->sum[g] += s;
		t->count[g] += c;
	}
	return STATUS_OK;
}

// Output buffers, reused from call to call: valid until the next call, as the ABI says.
static u8 *out_buf;
static u32 out_cap;

static u8 *out_space(u32 size) {
	if (size > out_cap) {
		release(out_buf);
		out_buf = alloc(size);
		out_cap = out_buf ? size : 0;
	}
	return out_buf;
}

EXPORT("vcube_measure_states") i32 measure_states(i32 id, i32 first, i32 count, struct column *out) {
	struct table *t = lookup(id);
	if (!t) return fail("no such table");
	if (!reserve(t, (u32)first + (u32)count)) return fail("out of memory");
	u32 n = (u32)count;
	u8 *buf = out_space(4 * (n + 1) + 16 * n);
	if (!buf && n) return fail("out of memory");
	u32 *off = (u32 *)buf;
	u8 *data = buf + 4 * (n + 1);
	for (u32 i = 0; i <= n; i++) off[i] = 16 * i;
	for (u32 i = 0; i < n; i++) {
		memcpy(data + 16 * i, &t->sum[first + i], 8);
		memcpy(data + 16 * i + 8, &t->count[first + i], 8);
	}
	*out = (struct column){.type = TYPE_BINARY, .rows = n, .values = (u32)off, .data = (u32)data, .data_len = 16 * n};
	return STATUS_OK;
}

EXPORT("vcube_measure_finalize") i32 measure_finalize(i32 id, i32 first, i32 count, struct column *out) {
	struct table *t = lookup(id);
	if (!t) return fail("no such table");
	if (!reserve(t, (u32)first + (u32)count)) return fail("out of memory");
	u32 n = (u32)count;
	u32 bitmap_len = (n + 7) / 8;
	u8 *buf = out_space(8 * n + bitmap_len + 8);
	if (!buf && n) return fail("out of memory");
	double *v = (double *)buf;
	u8 *bitmap = buf + 8 * n;
	memset(bitmap, 0, bitmap_len);
	for (u32 i = 0; i < n; i++) {
		v[i] = t->sum[first + i];
		if (t->count[first + i]) bitmap[i >> 3] |= (u8)(1 << (i & 7));
	}
	*out = (struct column){.type = TYPE_DOUBLE, .rows = n, .validity = (u32)bitmap, .values = (u32)v};
	return STATUS_OK;
}
